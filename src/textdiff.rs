//! A line diff, so a plan can show which statement, condition or action of a policy
//! document changed instead of two long JSON values. Pure: lines in, tagged lines out.
//! The longest common subsequence is found by dynamic programming; values the plan
//! shows are small (an IAM policy is at most a few hundred lines), and above a bound
//! the diff degrades to "all removed, all added" rather than using more memory.

/// How a line of the diff relates the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Same,
    Removed,
    Added,
}

/// A line of a diff shown to a person: a line, or a run of unchanged lines left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown<'a> {
    Line(Tag, &'a str),
    /// `count` unchanged lines, the first of which is `first`.
    Hidden {
        count: usize,
        first: &'a str,
    },
}

/// Above this many cells (before × after lines) the table is not built.
const MAX_CELLS: usize = 4_000_000;

/// Every line of `before` and `after`, in order, tagged as kept, removed or added.
pub fn diff<'a>(before: &[&'a str], after: &[&'a str]) -> Vec<(Tag, &'a str)> {
    // Common head and tail first: most edits touch a few lines in the middle.
    let head = before.iter().zip(after).take_while(|(b, a)| b == a).count();
    let tail = before[head..]
        .iter()
        .rev()
        .zip(after[head..].iter().rev())
        .take_while(|(b, a)| b == a)
        .count();
    let (b, a) = (
        &before[head..before.len() - tail],
        &after[head..after.len() - tail],
    );
    let mut out: Vec<(Tag, &str)> = before[..head].iter().map(|l| (Tag::Same, *l)).collect();
    if b.len().saturating_mul(a.len()) > MAX_CELLS {
        out.extend(b.iter().map(|l| (Tag::Removed, *l)));
        out.extend(a.iter().map(|l| (Tag::Added, *l)));
    } else {
        middle(b, a, &mut out);
    }
    out.extend(
        before[before.len() - tail..]
            .iter()
            .map(|l| (Tag::Same, *l)),
    );
    out
}

fn middle<'a>(b: &[&'a str], a: &[&'a str], out: &mut Vec<(Tag, &'a str)>) {
    // lcs[i][j]: length of the longest common subsequence of b[i..] and a[j..].
    let width = a.len() + 1;
    let mut lcs = vec![0usize; (b.len() + 1) * width];
    for i in (0..b.len()).rev() {
        for j in (0..a.len()).rev() {
            lcs[i * width + j] = if b[i] == a[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < b.len() && j < a.len() {
        if b[i] == a[j] {
            out.push((Tag::Same, b[i]));
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
            out.push((Tag::Removed, b[i]));
            i += 1;
        } else {
            out.push((Tag::Added, a[j]));
            j += 1;
        }
    }
    out.extend(b[i..].iter().map(|l| (Tag::Removed, *l)));
    out.extend(a[j..].iter().map(|l| (Tag::Added, *l)));
}

/// Keeps `context` unchanged lines around each change and replaces longer unchanged
/// runs by `Hidden`; hiding a single line would not save anything, so it stays.
pub fn with_context<'a>(lines: &[(Tag, &'a str)], context: usize) -> Vec<Shown<'a>> {
    let changed: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, (t, _))| *t != Tag::Same)
        .map(|(i, _)| i)
        .collect();
    let near_change = |i: usize| changed.iter().any(|&c| c.abs_diff(i) <= context);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if near_change(i) {
            out.push(Shown::Line(lines[i].0, lines[i].1));
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && !near_change(i) {
            i += 1;
        }
        if i - start == 1 {
            out.push(Shown::Line(Tag::Same, lines[start].1));
        } else {
            out.push(Shown::Hidden {
                count: i - start,
                first: lines[start].1,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(before: &str, after: &str) -> String {
        let b: Vec<&str> = before.lines().collect();
        let a: Vec<&str> = after.lines().collect();
        diff(&b, &a)
            .into_iter()
            .map(|(t, l)| {
                let mark = match t {
                    Tag::Same => ' ',
                    Tag::Removed => '-',
                    Tag::Added => '+',
                };
                format!("{mark}{l}\n")
            })
            .collect()
    }

    #[test]
    fn a_changed_line_is_removed_then_added_between_kept_ones() {
        assert_eq!(tags("a\nb\nc\n", "a\nB\nc\n"), " a\n-b\n+B\n c\n");
    }

    #[test]
    fn insertions_and_deletions_keep_the_common_lines() {
        assert_eq!(tags("a\nb\nc\nd\n", "a\nc\nd\ne\n"), " a\n-b\n c\n d\n+e\n");
        assert_eq!(tags("", "x\n"), "+x\n");
        assert_eq!(tags("x\n", ""), "-x\n");
        assert_eq!(tags("x\ny\n", "x\ny\n"), " x\n y\n");
    }

    #[test]
    fn long_unchanged_runs_are_hidden_around_the_context() {
        let before: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        let mut after = before.clone();
        after[10] = "ten".into();
        let b: Vec<&str> = before.iter().map(String::as_str).collect();
        let a: Vec<&str> = after.iter().map(String::as_str).collect();
        let shown = with_context(&diff(&b, &a), 2);
        assert_eq!(
            shown,
            vec![
                Shown::Hidden {
                    count: 8,
                    first: "0"
                },
                Shown::Line(Tag::Same, "8"),
                Shown::Line(Tag::Same, "9"),
                Shown::Line(Tag::Removed, "10"),
                Shown::Line(Tag::Added, "ten"),
                Shown::Line(Tag::Same, "11"),
                Shown::Line(Tag::Same, "12"),
                Shown::Hidden {
                    count: 7,
                    first: "13"
                },
            ]
        );
    }

    #[test]
    fn a_single_unchanged_line_is_shown_rather_than_hidden() {
        let b = ["a", "x", "b", "c", "d", "y"];
        let a = ["a", "X", "b", "c", "d", "Y"];
        let shown = with_context(&diff(&b, &a), 1);
        assert!(
            !shown.iter().any(|s| matches!(s, Shown::Hidden { .. })),
            "{shown:?}"
        );
    }
}
