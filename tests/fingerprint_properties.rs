//! Properties of fingerprints over generated statements: constants, whitespace, comments,
//! keyword case and list lengths never change a fingerprint; structure always does.

use planwise::sql::fingerprint::Fingerprinter;
use proptest::prelude::*;

/// A statement shape with slots for constants, rendered with chosen spacing and case.
fn render(
    values: &[i64],
    text: &str,
    list: &[i64],
    space: &str,
    upper: bool,
    comment: bool,
) -> String {
    let keyword = |k: &str| {
        if upper {
            k.to_uppercase()
        } else {
            k.to_string()
        }
    };
    let list: Vec<String> = list.iter().map(i64::to_string).collect();
    format!(
        "{}{space}a,{space}b{space}{}{space}t{space}{}{space}a{space}={space}{}{space}{}{space}b{space}={space}'{}'{space}{}{space}c{space}{}{space}({}){}{space}{}{space}{}",
        keyword("select"),
        keyword("from"),
        keyword("where"),
        values[0],
        keyword("and"),
        text.replace('\'', "''"),
        keyword("and"),
        keyword("in"),
        list.join(&format!(",{space}")),
        if comment {
            " /* note */ -- trailing\n"
        } else {
            ""
        },
        keyword("limit"),
        values[1],
    )
}

fn id(sql: &str) -> u64 {
    Fingerprinter::new().fingerprint(sql.as_bytes()).id
}

proptest! {
    #[test]
    fn constants_spacing_case_and_comments_do_not_matter(
        first in proptest::collection::vec(any::<i64>(), 2),
        second in proptest::collection::vec(any::<i64>(), 2),
        text in "[ -~]{0,20}",
        list_a in proptest::collection::vec(0i64..1000, 1..20),
        list_b in proptest::collection::vec(0i64..1000, 1..20),
        space in prop::sample::select(vec![" ", "  ", "\n\t", " \r\n "]),
        upper: bool,
        comment: bool,
    ) {
        let plain = render(&first, "x", &list_a, " ", false, false);
        let varied = render(&second, &text, &list_b, space, upper, comment);
        prop_assert_eq!(id(&plain), id(&varied), "{} / {}", plain, varied);
    }

    #[test]
    fn another_column_is_another_fingerprint(column in "[a-z_][a-z0-9_]{0,10}") {
        prop_assume!(column != "a");
        let base = "select * from t where a = 1";
        let other = format!("select * from t where {column} = 1");
        prop_assert_ne!(id(base), id(&other));
    }

    #[test]
    fn fingerprinting_is_idempotent(sql in "[ -~\\n]{0,80}") {
        let mut fingerprinter = Fingerprinter::new();
        let first = fingerprinter.fingerprint(sql.as_bytes()).normalized.to_vec();
        let again = fingerprinter.fingerprint(&first).normalized.to_vec();
        prop_assert_eq!(String::from_utf8_lossy(&first), String::from_utf8_lossy(&again));
    }
}
