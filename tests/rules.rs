//! The rule registry: ids and names unique and well formed, every doc comment has the fixed
//! headings, and the pages under `rules/` are what the doc comments generate
//! (`PLANWISE_UPDATE_RULE_DOCS=1 cargo test --test rules` rewrites them).

use planwise::rules::{RULES, index_page, rules_table};
use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn ids_and_names_are_unique_and_well_formed() {
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for rule in RULES {
        assert!(ids.insert(rule.id), "duplicate id {}", rule.id);
        assert!(names.insert(rule.name), "duplicate name {}", rule.name);
        let (family, number) = rule.id.split_at(rule.id.len() - 3);
        assert!(
            family.chars().all(|c| c.is_ascii_uppercase()) && number.parse::<u16>().is_ok(),
            "{} is not like IDX001",
            rule.id
        );
        assert!(
            rule.name
                .split('-')
                .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase())),
            "{} is not kebab-case",
            rule.name
        );
    }
    let listed: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "RULES is kept in id order");
}

/// A rule's category is its folder and its id's prefix: a rule filed under the wrong one, or
/// given the wrong category, fails here.
#[test]
fn every_rule_lives_in_its_categorys_folder_and_carries_its_prefix() {
    for rule in RULES {
        let (family, _) = rule.id.split_at(rule.id.len() - 3);
        assert_eq!(family, rule.category.id_prefix(), "{}'s prefix", rule.id);
        let folder = Path::new("src/rules").join(rule.category.as_str());
        let in_folder = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .map(|entry| entry.unwrap().path())
            .any(|file| std::fs::read_to_string(file).is_ok_and(|text| text == rule.source));
        assert!(in_folder, "{} is not in {}", rule.id, folder.display());
    }
}

#[test]
fn every_doc_has_the_headings_in_order() {
    for rule in RULES {
        let doc = rule.doc();
        let mut from = 0;
        for heading in rule.headings() {
            let at = doc[from..]
                .find(&format!("{heading}\n"))
                .unwrap_or_else(|| panic!("{}: `{heading}` missing or out of order", rule.id));
            from += at + heading.len();
            let body = doc[from..].trim_start();
            assert!(
                !body.is_empty() && !body.starts_with("##"),
                "{}: `{heading}` is empty",
                rule.id
            );
        }
    }
}

#[test]
fn rule_pages_are_generated_from_the_doc_comments() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let update = std::env::var_os("PLANWISE_UPDATE_RULE_DOCS").is_some();
    let mut expected: Vec<(String, String)> = RULES
        .iter()
        .map(|rule| (format!("{}.md", rule.id), rule.page()))
        .collect();
    expected.push(("README.md".to_string(), index_page()));
    for (file, text) in &expected {
        let path = dir.join(file);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            &on_disk == text,
            "rules/{file} is stale: run PLANWISE_UPDATE_RULE_DOCS=1 cargo test --test rules"
        );
    }
    let stray: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !expected.iter().any(|(file, _)| file == name))
        .collect();
    assert!(stray.is_empty(), "pages of no rule: {stray:?}");
}

#[test]
fn the_readme_lists_every_rule() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
    let from = readme.find(start).expect("README has the rules markers") + start.len();
    let to = readme[from..]
        .find(end)
        .expect("README closes the rules block")
        + from;
    let expected = rules_table("rules/");
    if std::env::var_os("PLANWISE_UPDATE_RULE_DOCS").is_some() {
        let updated = format!("{}{expected}{}", &readme[..from], &readme[to..]);
        std::fs::write(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"),
            updated,
        )
        .unwrap();
        return;
    }
    assert_eq!(
        &readme[from..to],
        expected,
        "README's rule table is stale: run PLANWISE_UPDATE_RULE_DOCS=1 cargo test --test rules"
    );
}
