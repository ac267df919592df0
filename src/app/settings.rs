//! `planwise.toml` and the rule flags, read the same way for `analyze` and `check`: the
//! rule engine then gives a setting the same meaning in both.

use crate::cli::RuleSelectionArgs;
use crate::config::{Config, RuleLayer, names_a_rule};
use crate::model::diagnostics::{Diagnostics, Example, Kind};
use anyhow::Context;
use std::path::{Path, PathBuf};

const CONFIG_FILE: &str = "planwise.toml";

/// The configuration (`--config FILE`, else the first `planwise.toml` walking up from the
/// current directory) with the command line's rule selection over it. A pattern of the file
/// that names no rule is warned of and counted in `diagnostics`.
pub fn load(
    explicit: Option<&Path>,
    rules: &RuleSelectionArgs,
    diagnostics: &mut Diagnostics,
) -> anyhow::Result<Config> {
    let (mut config, config_path) = load_config(explicit)?;
    config.command_line = command_line_rules(rules)?;
    for pattern in config.unknown_rules() {
        let file = config_path
            .as_ref()
            .map_or(CONFIG_FILE.to_string(), |p| p.display().to_string());
        eprintln!("planwise: {file}: `{pattern}` names no rule (planwise rules lists them)");
        diagnostics.report(Kind::UnknownRule, || Example {
            file,
            line: 0,
            reason: format!("`{pattern}` names no rule"),
        });
    }
    Ok(config)
}

/// `--select`, `--extend-select` and `--ignore`; a pattern naming no rule is an error, as a
/// typo on the command line should not pass for a selection.
fn command_line_rules(args: &RuleSelectionArgs) -> anyhow::Result<RuleLayer> {
    let layer = RuleLayer {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
    };
    if let Some(pattern) = layer.patterns().find(|p| !names_a_rule(p)) {
        anyhow::bail!("`{pattern}` names no rule (planwise rules lists them)");
    }
    Ok(layer)
}

/// `--config FILE`, else the first `planwise.toml` walking up from the current directory.
fn load_config(explicit: Option<&Path>) -> anyhow::Result<(Config, Option<PathBuf>)> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => std::env::current_dir().ok().and_then(|dir| {
            dir.ancestors()
                .map(|d| d.join(CONFIG_FILE))
                .find(|p| p.is_file())
        }),
    };
    let Some(path) = path else {
        return Ok((Config::default(), None));
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let config = Config::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok((config, Some(path)))
}
