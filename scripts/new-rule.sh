#!/usr/bin/env bash
# Scaffolds a rule: its file (doc headings, metadata, an empty check), its place in its
# family's module and in RULES, its fixture folders and its test. See CONTRIBUTING.md.
#
#   scripts/new-rule.sh ID name family
#   scripts/new-rule.sh IDX009 covering-index index
#   scripts/new-rule.sh MIG030 drop-not-null migration
#
# ID is the family's prefix (findings::Category::id_prefix) then three digits, never used
# before; name is kebab-case and names the problem; family is a folder of src/rules and the
# rule's category (migration rules read one statement of a migration, the others the
# analysed workload).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -ne 3 ]; then
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
id="$1" name="$2" family="$3"
category="$(sed -E 's/(^|_)([a-z])/\U\2/g' <<<"$family")"
module="${name//-/_}"
file="$REPO/src/rules/$family/$module.rs"
fixtures="$REPO/fixtures/rules/$id"

[[ "$id" =~ ^[A-Z]+[0-9]{3}$ ]] || { echo "$id: an id is letters then three digits (IDX009)" >&2; exit 2; }
[[ "$name" =~ ^[a-z][a-z0-9]*(-[a-z0-9]+)*$ ]] || { echo "$name: a name is kebab-case" >&2; exit 2; }
[ -f "$REPO/src/rules/$family/mod.rs" ] || { echo "$family: no src/rules/$family/mod.rs" >&2; exit 2; }
[ ! -e "$file" ] || { echo "$file exists" >&2; exit 2; }
[ ! -e "$fixtures" ] || { echo "$fixtures exists" >&2; exit 2; }
if grep -rq "id: \"$id\"" "$REPO/src/rules"; then
    echo "$id is taken: ids are never reused" >&2
    exit 2
fi

if [ "$family" = migration ]; then
    last_heading="How severity is decided"
    context="StatementContext<'_>"
    context_use="use crate::analysis::migration::StatementContext;"
    check="Migration"
    finding="RULE.finding_at(context)"
else
    last_heading="How the saving is estimated"
    context="Context<'_>"
    context_use="use crate::rules::Context;"
    check="Workload"
    finding="RULE.finding()"
fi

cat >"$file" <<RULE
//! ## What it finds
//! TODO: what the rule reports, in one or two sentences.
//!
//! ## Why it matters
//! TODO: what it costs the database, with the mechanism.
//!
//! ## Example
//! \`\`\`sql
//! TODO
//! \`\`\`
//!
//! ## Instead
//! \`\`\`sql
//! TODO
//! \`\`\`
//!
//! ## $last_heading
//! TODO

$context_use
use crate::findings::{Category, Finding, Severity};
use crate::rules::{Check, Rule};

pub static RULE: Rule = Rule {
    id: "$id",
    name: "$name",
    category: Category::$category,
    severity: Severity::Info,
    source: include_str!("$module.rs"),
    check: Check::$check(check),
};

// TODO: name the arguments (context, out) and, for each case found:
// out.push(Finding { message: format!(…), ..$finding });
fn check(_: &$context, _: &mut Vec<Finding>) {}
RULE

python3 - "$REPO" "$id" "$family" "$module" <<'PY'
import re, sys
repo, rule_id, family, module = sys.argv[1:]
# The family's module list.
path = f"{repo}/src/rules/{family}/mod.rs"
text = open(path).read()
mods = list(re.finditer(r"(?m)^pub mod \w+;\n", text))
at = mods[-1].end() if mods else len(text)  # a new family: after its doc comment
text = text[:at] + f"pub mod {module};\n" + text[at:]
open(path, "w").write(text)
# RULES: after the family's last entry.
path = f"{repo}/src/rules/mod.rs"
text = open(path).read()
start = text.index("pub static RULES")
end = text.index("];", start)
entries = list(re.finditer(rf"(?m)^    &{family}::\w+::RULE,\n", text[start:end]))
at = start + entries[-1].end() if entries else end
text = text[:at] + f"    &{family}::{module}::RULE,\n" + text[at:]
open(path, "w").write(text)
# The rule's fixture test.
path = f"{repo}/tests/rule_fixtures.rs"
text = open(path).read()
start = text.index("rule_cases! {")
end = text.index("}", start)
ids = text[start + len("rule_cases! {"):end].split() + [rule_id]
listed = "".join(f"\n    {i}" for i in sorted(set(ids)))
text = text[:start] + "rule_cases! {" + listed + "\n" + text[end:]
open(path, "w").write(text)
PY

for case in positive negative; do
    mkdir -p "$fixtures/$case"
    if [ "$family" = migration ]; then
        echo "-- TODO: the migration the rule must $( [ $case = positive ] && echo report || echo leave alone )" >"$fixtures/$case/migration.sql"
    else
        echo "-- TODO: statements the rule must $( [ $case = positive ] && echo report || echo leave alone )" >"$fixtures/$case/workload.sql"
    fi
done
echo "-- TODO: the schema both cases run on" >"$fixtures/schema.sql"

cd "$REPO"
cargo fmt --all
cat <<NEXT
$id $name: src/rules/$family/$module.rs, fixtures/rules/$id/{schema.sql,positive,negative}.
Next:
  1. write the doc comment and the check; fill the fixtures (fixtures/rules/README.md);
  2. cargo test $id                     # the rule's cases; review the .snap.new, then accept
  3. PLANWISE_UPDATE_RULE_DOCS=1 cargo test --test rules   # rules/$id.md and rules/README.md
NEXT
