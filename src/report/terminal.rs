//! What the terminal views share (`analyze --format text` and `check --format text`): colours
//! and hyperlinks when the terminal takes them, and the lines a finding is shown by —
//! `place: severity[ID name] message`, then `= label: text` notes, as rustc and ruff print
//! theirs. Text from the inputs is escaped piece by piece before it is styled, so the only
//! escape sequences in the output are the ones written here.

use super::log_events::{
    Series, StatementEvents, TopList, Unit, crosses_days, findings_about, series, width_phrase,
};
use super::{Report, escape_controls, one_line};
use crate::findings::{Finding, Severity};
use crate::model::time::format_timestamp;
use crate::units::{human_bytes, human_duration};

/// `--color`: when the terminal views colour their output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// When writing to a terminal, unless `NO_COLOR` is set (`CLICOLOR_FORCE` forces it).
    Auto,
    Always,
    Never,
}

/// How a terminal view is styled: ANSI colours, and OSC 8 hyperlinks from rule ids to their
/// pages (only with colours: a terminal that takes no colour is unlikely to take links).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    pub links: bool,
}

/// Where a rule's page is published (`rules/ID.md` of the repository).
const RULE_PAGES: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/rules/");

impl Style {
    pub const PLAIN: Style = Style {
        color: false,
        links: false,
    };

    /// The style `choice` means for output that goes to a terminal or not, in an environment
    /// read through `env`: `NO_COLOR` (no-color.org) turns `auto` off, `CLICOLOR_FORCE`
    /// turns it on even into a pipe, `CLICOLOR=0` and `TERM=dumb` turn it off.
    pub fn resolve(
        choice: ColorChoice,
        to_terminal: bool,
        env: impl Fn(&str) -> Option<String>,
    ) -> Style {
        let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
        let set_but_zero = |name: &str| env(name).is_some_and(|v| !v.is_empty() && v != "0");
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if set("NO_COLOR") => false,
            ColorChoice::Auto if set_but_zero("CLICOLOR_FORCE") => true,
            ColorChoice::Auto => {
                to_terminal
                    && env("TERM").as_deref() != Some("dumb")
                    && env("CLICOLOR").as_deref() != Some("0")
            }
        };
        Style {
            color,
            links: color && supports_hyperlinks(&env),
        }
    }

    /// `text` in the SGR attributes `sgr` (`1;31`: bold red), when colours are on.
    fn paint(self, sgr: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn severity(self, severity: Severity) -> String {
        let sgr = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.paint(sgr, severity.as_str())
    }

    /// `[ID name]`, the id bold and linked to the rule's page when links are on.
    pub fn rule(self, id: &str, name: &str) -> String {
        let id = if self.links {
            format!("\x1b]8;;{RULE_PAGES}{id}.md\x1b\\{id}\x1b]8;;\x1b\\")
        } else {
            id.to_string()
        };
        format!("[{} {name}]", self.paint("1", &id))
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// The gutter of notes and quotes (`=`, `|`), as rustc colours it.
    fn gutter(self, text: &str) -> String {
        self.paint("1;34", text)
    }
}

/// Whether the terminal is likely to turn OSC 8 sequences into links rather than print them
/// (the terminals that announce themselves and are known to; `FORCE_HYPERLINK` decides
/// either way; never in CI logs).
fn supports_hyperlinks(env: &impl Fn(&str) -> Option<String>) -> bool {
    if let Some(force) = env("FORCE_HYPERLINK") {
        return force != "0";
    }
    if env("CI").is_some() {
        return false;
    }
    let program = env("TERM_PROGRAM").unwrap_or_default();
    let term = env("TERM").unwrap_or_default();
    ["DOMTERM", "WT_SESSION", "KONSOLE_VERSION"]
        .iter()
        .any(|name| env(name).is_some())
        || env("VTE_VERSION")
            .and_then(|v| v.parse::<u32>().ok())
            .is_some_and(|v| v >= 5000)
        || [
            "iTerm.app",
            "WezTerm",
            "vscode",
            "ghostty",
            "Hyper",
            "Tabby",
        ]
        .contains(&&*program)
        || [
            "xterm-kitty",
            "alacritty",
            "foot",
            "xterm-ghostty",
            "wezterm",
        ]
        .contains(&&*term)
}

/// A finding's first line: `place: severity[ID name] message` (no place, no `place: `).
pub fn headline(style: Style, place: &str, finding: &Finding) -> String {
    let place = if place.is_empty() {
        String::new()
    } else {
        format!("{}: ", style.bold(&escape_controls(place.to_string())))
    };
    format!(
        "{place}{}{} {}\n",
        style.severity(finding.severity),
        style.rule(finding.rule, finding.name),
        escape_controls(finding.message.clone())
    )
}

/// `  = label: text`, the text's further lines aligned under its first.
pub fn note(style: Style, label: &str, text: &str) -> String {
    let indent = " ".repeat("  = ".len() + label.len() + 2);
    let mut out = String::new();
    for (i, line) in escape_controls(text.to_string()).lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("  {} {label}: {line}\n", style.gutter("=")));
        } else {
            out.push_str(&format!("{indent}{line}\n"));
        }
    }
    out
}

/// `  | text`: what a finding is about, quoted.
pub fn quote(style: Style, text: &str) -> String {
    format!(
        "  {} {}\n",
        style.gutter("|"),
        escape_controls(text.to_string())
    )
}

/// `1 error, 2 warnings, 0 info`.
pub fn severity_counts(errors: usize, warnings: usize, infos: usize) -> String {
    format!(
        "{}, {}, {infos} info",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// `1 finding`, `2 findings`.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The statements each top list shows in a terminal.
const TOP_SHOWN: usize = 5;

/// The log's events for a terminal: a sparkline for each kind over the log's span, then the
/// statements that spilled, waited or were cancelled most, with the rules of the findings
/// about each. Empty when the log had no such events.
pub fn log_events(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let timeline = &report.log_events.timeline;
    let series = series(timeline);
    if !series.is_empty() {
        // To the second for buckets under a minute, else to the minute.
        let precision = if timeline.width_ms < 60_000 { 19 } else { 16 };
        let stamp = |at| format_timestamp(at)[..precision].to_string();
        let zone = report.summary.timezone.as_deref().unwrap_or("");
        let end = stamp(timeline.end());
        let end = if crosses_days(timeline) {
            &end
        } else {
            &end[11..]
        };
        out.push_str(&format!(
            "{} ({} a mark, {} → {end} {zone}):\n",
            style.bold("events over time"),
            width_phrase(timeline.width_ms),
            stamp(timeline.start),
        ));
        let width = series.iter().map(|s| s.title.len()).max().unwrap_or(0);
        for one in &series {
            out.push_str(&format!(
                "  {:width$}  {}  {}\n",
                one.title.to_lowercase(),
                sparkline(&one.values),
                series_total(one)
            ));
        }
    }
    for list in TopList::ALL {
        out.push_str(&top_statements(report, list, style));
    }
    out
}

/// `▁▃█·`: each value as a bar an eighth of the highest high, `·` for none.
pub fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let highest = values.iter().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|&v| match v {
            0 => '·',
            v => BARS[((v * 8).div_ceil(highest) as usize).clamp(1, 8) - 1],
        })
        .collect()
}

fn series_total(series: &Series) -> String {
    match series.unit {
        Unit::Bytes => human_bytes(series.total() as i64),
        Unit::Count(unit) if series.total() == 1 => format!("1 {}", unit.trim_end_matches('s')),
        Unit::Count(unit) => format!("{} {unit}", series.total()),
    }
}

/// A top list, a statement a line: fingerprint, text, calls, its events and the rules of
/// the findings about it.
fn top_statements(report: &Report, list: TopList, style: Style) -> String {
    let statements = report.log_events.list(list);
    if statements.is_empty() {
        return String::new();
    }
    let findings = report.findings.as_deref().unwrap_or_default();
    let mut out = format!("{}:\n", style.bold(&list.title().to_lowercase()));
    for statement in statements.iter().take(TOP_SHOWN) {
        let fingerprint = statement.fingerprint();
        let rules: Vec<&str> = findings_about(findings, list, &fingerprint)
            .into_iter()
            .map(|(_, f)| f.rule)
            .collect();
        let rules = match rules.is_empty() {
            true => String::new(),
            false => format!(" → {}", rules.join(", ")),
        };
        out.push_str(&format!(
            "  {fingerprint} {} ({}): {}{rules}\n",
            one_line(statement.normalized, 60),
            plural(statement.calls as usize, "call"),
            event_phrase(list, statement)
        ));
    }
    if statements.len() > TOP_SHOWN {
        out.push_str(&format!(
            "  and {} more (--format md lists them)\n",
            statements.len() - TOP_SHOWN
        ));
    }
    out
}

/// A statement's events in a few words: `6 temp files, 2.1 MB`.
fn event_phrase(list: TopList, statement: &StatementEvents) -> String {
    let events = statement.events;
    match list {
        TopList::Spilling => format!(
            "{}, {}",
            plural(events.temp_files.count as usize, "temp file"),
            human_bytes(events.temp_files.bytes as i64)
        ),
        TopList::Waiting => {
            let mut phrase = plural(events.lock_waits as usize, "lock wait");
            if events.locks_acquired > 0 {
                phrase.push_str(&format!(
                    ", {} waited till acquired",
                    human_duration(events.lock_acquired_wait_us as f64 / 1000.0)
                ));
            }
            if events.deadlocks > 0 {
                phrase.push_str(&format!(
                    ", {}",
                    plural(events.deadlocks as usize, "deadlock")
                ));
            }
            phrase
        }
        TopList::Cancelled => {
            let c = events.cancellations;
            let causes = [
                (c.statement_timeout, "statement timeout"),
                (c.lock_timeout, "lock timeout"),
                (c.user_request, "user request"),
            ];
            let said: Vec<String> = (causes.iter())
                .filter(|(n, _)| *n > 0)
                .map(|(n, cause)| format!("{n} × {cause}"))
                .collect();
            said.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn style(choice: ColorChoice, tty: bool, vars: &[(&str, &str)]) -> Style {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Style::resolve(choice, tty, |name| vars.get(name).cloned())
    }

    #[test]
    fn auto_colours_a_terminal_unless_the_environment_says_otherwise() {
        assert!(style(ColorChoice::Auto, true, &[]).color);
        assert!(!style(ColorChoice::Auto, false, &[]).color);
        assert!(!style(ColorChoice::Auto, true, &[("NO_COLOR", "1")]).color);
        // An empty NO_COLOR is not set (no-color.org).
        assert!(style(ColorChoice::Auto, true, &[("NO_COLOR", "")]).color);
        assert!(style(ColorChoice::Auto, false, &[("CLICOLOR_FORCE", "1")]).color);
        assert!(!style(ColorChoice::Auto, false, &[("CLICOLOR_FORCE", "0")]).color);
        assert!(!style(ColorChoice::Auto, true, &[("TERM", "dumb")]).color);
        assert!(!style(ColorChoice::Auto, true, &[("CLICOLOR", "0")]).color);
        // The flag decides over the environment.
        assert!(style(ColorChoice::Always, false, &[("NO_COLOR", "1")]).color);
        assert!(!style(ColorChoice::Never, true, &[("CLICOLOR_FORCE", "1")]).color);
    }

    #[test]
    fn links_only_with_colours_in_a_terminal_known_to_take_them() {
        let kitty = [("TERM", "xterm-kitty")];
        assert!(style(ColorChoice::Auto, true, &kitty).links);
        assert!(!style(ColorChoice::Never, true, &kitty).links);
        assert!(!style(ColorChoice::Auto, true, &[("TERM", "xterm")]).links);
        assert!(
            !style(
                ColorChoice::Auto,
                true,
                &[("TERM", "xterm-kitty"), ("CI", "true")]
            )
            .links
        );
        assert!(style(ColorChoice::Auto, true, &[("VTE_VERSION", "6800")]).links);
        assert!(!style(ColorChoice::Auto, true, &[("VTE_VERSION", "4600")]).links);
        assert!(style(ColorChoice::Always, false, &[("FORCE_HYPERLINK", "1")]).links);
        assert!(
            !style(
                ColorChoice::Auto,
                true,
                &[("FORCE_HYPERLINK", "0"), ("TERM_PROGRAM", "WezTerm")]
            )
            .links
        );
    }

    #[test]
    fn a_link_names_the_rule_page_and_input_text_is_escaped_before_styling() {
        let styled = Style {
            color: true,
            links: true,
        };
        let rule = styled.rule("IDX001", "missing-index");
        assert!(
            rule.contains("\x1b]8;;https://github.com/planwise/planwise/blob/main/rules/IDX001.md\x1b\\IDX001\x1b]8;;\x1b\\"),
            "{rule:?}"
        );
        let quoted = quote(styled, "SELECT '\x1b]0;pwned\x07'");
        assert!(quoted.contains(r"\x1b]0;pwned\x07"), "{quoted:?}");
        assert_eq!(
            quoted.matches('\x1b').count(),
            2,
            "only the gutter's colour"
        );
    }

    #[test]
    fn a_sparkline_scales_to_its_highest_value_and_marks_the_empty_buckets() {
        assert_eq!(sparkline(&[0, 1, 4, 8, 3]), "·▁▄█▃");
        assert_eq!(sparkline(&[5]), "█");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn notes_align_their_further_lines() {
        assert_eq!(
            note(Style::PLAIN, "instead", "a\nb"),
            "  = instead: a\n             b\n"
        );
    }
}
