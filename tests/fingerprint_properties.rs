//! Properties of fingerprints over generated statements: constants, whitespace, comments,
//! keyword case and list lengths never change a fingerprint; structure always does.

use planwise::sql::fingerprint::{Fingerprinter, Offset};
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

/// Tokens a statement is made of, tricky ones included: numbers of every form (`0x1f` and
/// `1e3` are one token each), strings with quotes inside, `OFFSET`, parameters, comments.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "select", "from", "where", "t1", "offset", "limit", "in", "-", "=", "::", "(", ")",
            ",", "$1", "/* 7 */", "--'\n", "''", "x"
        ])
        .prop_map(str::to_string),
        "[0-9]{1,4}",
        "0[xXbBoO_][0-9a-f]{1,3}",
        "[0-9]{1,2}\\.[0-9]{0,2}",
        "[0-9][eE][+-]?[0-9]",
        "'[ -~]{0,4}'",
        "[eE]'[a-z\\\\']{0,3}'",
        "[a-z_]{1,3}",
    ]
}

/// `sql` with other digits in its numbers and other text in its strings.
fn other_constants(sql: &str, digits: &[u8], text: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    for (index, c) in sql.chars().enumerate() {
        match c {
            '\'' => {
                if !in_string {
                    out.push('\'');
                    out.push_str(text);
                } else {
                    out.push('\'');
                }
                in_string = !in_string;
            }
            _ if in_string => {}
            '0'..='9' => out.push(char::from(b'0' + digits[index % digits.len()] % 10)),
            _ => out.push(c),
        }
    }
    out
}

type Parts = (u64, Vec<u8>, u64, Option<Offset>);

fn parts(fingerprinter: &mut Fingerprinter, sql: &str) -> Parts {
    let f = fingerprinter.fingerprint(sql.as_bytes());
    (f.id, f.normalized.to_vec(), f.values_hash, f.offset)
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

    /// Whatever the fingerprinter remembers of earlier statements (text, skeleton,
    /// template), a statement gets the fingerprint it gets on its own.
    #[test]
    fn remembered_statements_fingerprint_as_computed_ones(
        tokens in proptest::collection::vec(token(), 1..14),
        separators in proptest::collection::vec(prop::sample::select(vec![" ", "", "\n"]), 14),
        digits in proptest::collection::vec(any::<u8>(), 1..6),
        text in "[ -~]{0,5}",
        unrelated in proptest::collection::vec(token(), 1..14),
    ) {
        let join = |tokens: &[String]| -> String {
            tokens.iter().zip(&separators).flat_map(|(t, s)| [t.as_str(), s]).collect()
        };
        let first = join(&tokens);
        let second = other_constants(&first, &digits, &text);
        let third = join(&unrelated);
        let mut remembering = Fingerprinter::new();
        for sql in [&first, &second, &first, &third, &second, &third] {
            let fresh = parts(&mut Fingerprinter::new(), sql);
            prop_assert_eq!(parts(&mut remembering, sql), fresh, "{}", sql);
        }
    }
}
