//! Runs apply steps in dependency order, independent steps in parallel (bounded).
//! On the first failure no new step starts; running steps finish; the report says
//! exactly what was done, what failed (with the error) and what was skipped, so a
//! re-run after fixing the cause converges.
//!
//! Generic over what a step does (`StepRunner`), so the ordering and failure logic is
//! tested without AWS.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use tokio::task::JoinSet;

/// One unit of work, e.g. "create configuration_set.Main".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step<T> {
    pub label: String,
    /// Indices of steps that must succeed before this one starts.
    pub after: Vec<usize>,
    pub work: T,
}

pub trait StepRunner<T>: Send + Sync + 'static {
    type Error: std::fmt::Display + Send + 'static;
    fn run(&self, work: &T) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

#[derive(Debug)]
pub struct Report<E> {
    pub done: Vec<String>,
    pub failed: Vec<(String, E)>,
    /// Not started: a failure stopped the run, or something they depend on failed.
    pub skipped: Vec<String>,
}

impl<E> Report<E> {
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty()
    }
}

/// Runs `steps` with at most `parallel` at a time. `on_event` sees progress (for a
/// progress bar or log lines) as `(label, finished_ok)`.
pub async fn run<T, R>(
    steps: Vec<Step<T>>,
    runner: Arc<R>,
    parallel: usize,
    mut on_event: impl FnMut(&str, Option<bool>),
) -> Report<R::Error>
where
    T: Clone + Send + Sync + 'static,
    R: StepRunner<T>,
{
    let parallel = parallel.max(1);
    let mut report = Report {
        done: Vec::new(),
        failed: Vec::new(),
        skipped: Vec::new(),
    };
    // Each step counts the dependencies it still waits for, and each step knows its
    // dependents, so a finished step readies exactly the steps it unblocks: the run
    // costs O(steps + edges), whatever the plan's size. Ready steps start lowest index
    // first, the order the plan lists them in.
    let n = steps.len();
    let mut waiting = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, step) in steps.iter().enumerate() {
        let mut after = step.after.clone();
        after.sort_unstable();
        after.dedup();
        for d in after {
            // A dependency on itself or on no step can never be met: never ready.
            waiting[i] += 1;
            if d < n && d != i {
                dependents[d].push(i);
            }
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut started = vec![false; n];
    let mut running: JoinSet<(usize, Result<(), R::Error>)> = JoinSet::new();
    let mut stopping = false;

    loop {
        while !stopping && running.len() < parallel {
            let Some(i) = ready.pop_first() else { break };
            started[i] = true;
            on_event(&steps[i].label, None);
            let runner = Arc::clone(&runner);
            let work = steps[i].work.clone();
            running.spawn(async move { (i, runner.run(&work).await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        match joined {
            Ok((i, Ok(()))) => {
                report.done.push(steps[i].label.clone());
                on_event(&steps[i].label, Some(true));
                for &d in &dependents[i] {
                    waiting[d] -= 1;
                    if waiting[d] == 0 {
                        ready.insert(d);
                    }
                }
            }
            Ok((i, Err(e))) => {
                stopping = true;
                report.failed.push((steps[i].label.clone(), e));
                on_event(&steps[i].label, Some(false));
            }
            Err(join_error) => {
                // A panicking step is a bug; stop starting work and let it surface.
                stopping = true;
                tracing::error!(error = %join_error, "an apply step panicked");
            }
        }
    }
    for (i, step) in steps.iter().enumerate() {
        if !started[i] {
            report.skipped.push(step.label.clone());
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records the order steps run in; fails the ones named in `fail`.
    struct Recorder {
        log: Mutex<Vec<String>>,
        fail: Vec<&'static str>,
    }

    impl StepRunner<&'static str> for Recorder {
        type Error = String;
        async fn run(&self, work: &&'static str) -> Result<(), String> {
            tokio::task::yield_now().await;
            self.log.lock().unwrap().push(work.to_string());
            if self.fail.contains(work) {
                Err(format!("{work} exploded"))
            } else {
                Ok(())
            }
        }
    }

    fn step(label: &'static str, after: &[usize]) -> Step<&'static str> {
        Step {
            label: label.to_owned(),
            after: after.to_vec(),
            work: label,
        }
    }

    fn recorder(fail: &[&'static str]) -> Arc<Recorder> {
        Arc::new(Recorder {
            log: Mutex::new(Vec::new()),
            fail: fail.to_vec(),
        })
    }

    #[tokio::test]
    async fn dependencies_run_first() {
        // role -> stream -> destination; set -> destination
        let steps = vec![
            step("destination", &[1, 2]),
            step("stream", &[3]),
            step("set", &[]),
            step("role", &[]),
        ];
        let r = recorder(&[]);
        let report = run(steps, Arc::clone(&r), 4, |_, _| {}).await;
        assert!(report.succeeded());
        let log = r.log.lock().unwrap().clone();
        let pos = |s: &str| log.iter().position(|x| x == s).unwrap();
        assert!(pos("role") < pos("stream"));
        assert!(pos("stream") < pos("destination"));
        assert!(pos("set") < pos("destination"));
    }

    #[tokio::test]
    async fn a_failure_stops_new_work_and_reports_precisely() {
        let steps = vec![
            step("role", &[]),
            step("stream", &[0]),
            step("set", &[]),
            step("destination", &[1, 2]),
        ];
        let r = recorder(&["role"]);
        let report = run(steps, Arc::clone(&r), 1, |_, _| {}).await;
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].0, "role");
        assert_eq!(report.failed[0].1, "role exploded");
        assert!(report.done.is_empty());
        assert_eq!(report.skipped, ["stream", "set", "destination"]);
    }

    #[tokio::test]
    async fn running_steps_finish_when_another_fails() {
        // Two independent steps run together; one fails, the other still completes.
        let steps = vec![step("bad", &[]), step("good", &[]), step("later", &[0])];
        let r = recorder(&["bad"]);
        let report = run(steps, Arc::clone(&r), 2, |_, _| {}).await;
        assert_eq!(report.done, ["good"]);
        assert_eq!(report.skipped, ["later"]);
    }

    #[tokio::test]
    async fn steps_that_can_never_be_ready_are_skipped() {
        // Depends on itself, on no step, twice on a step that fails.
        let steps = vec![
            step("self", &[0]),
            step("nowhere", &[9]),
            step("bad", &[]),
            step("after-bad", &[2, 2]),
            step("fine", &[]),
        ];
        let r = recorder(&["bad"]);
        let report = run(steps, Arc::clone(&r), 1, |_, _| {}).await;
        assert_eq!(report.failed[0].0, "bad");
        assert_eq!(report.skipped, ["self", "nowhere", "after-bad", "fine"]);
    }

    /// A runner that counts, for plans too big to list.
    struct Counter(std::sync::atomic::AtomicUsize);

    impl StepRunner<usize> for Counter {
        type Error = String;
        async fn run(&self, _work: &usize) -> Result<(), String> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_large_plan_runs_every_step_once_in_dependency_order() {
        // 10,000 sets, each with a destination after it, and a final step after all
        // destinations: the shape of a big stack's apply.
        let sets = 10_000;
        let mut steps: Vec<Step<usize>> = (0..sets)
            .map(|i| Step {
                label: format!("set {i}"),
                after: Vec::new(),
                work: i,
            })
            .collect();
        steps.extend((0..sets).map(|i| Step {
            label: format!("destination {i}"),
            after: vec![i],
            work: sets + i,
        }));
        steps.push(Step {
            label: "last".into(),
            after: (sets..2 * sets).collect(),
            work: 2 * sets,
        });
        let counter = Arc::new(Counter(Default::default()));
        let mut order = Vec::new();
        let report = run(steps, Arc::clone(&counter), 4, |label, done| {
            if done == Some(true) {
                order.push(label.to_owned());
            }
        })
        .await;
        assert!(report.succeeded());
        assert_eq!(
            counter.0.load(std::sync::atomic::Ordering::Relaxed),
            2 * sets + 1
        );
        assert_eq!(order.last().map(String::as_str), Some("last"));
        let pos = |l: &str| order.iter().position(|x| x == l).unwrap();
        assert!(pos("set 9999") < pos("destination 9999"));
    }

    #[tokio::test]
    async fn progress_events_bracket_each_step() {
        let steps = vec![step("a", &[]), step("b", &[0])];
        let mut events = Vec::new();
        run(steps, recorder(&[]), 2, |label, ok| {
            events.push((label.to_owned(), ok))
        })
        .await;
        assert_eq!(
            events,
            [
                ("a".into(), None),
                ("a".into(), Some(true)),
                ("b".into(), None),
                ("b".into(), Some(true))
            ]
        );
    }
}
