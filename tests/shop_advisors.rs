//! The workload advisors end to end on the real shop log (`scripts/make-fixtures.sh` ran
//! `scripts/workload/*.sql` on a PostgreSQL 15 server and kept its log): the N+1 loop of
//! `order_items` lookups after `orders` and the one-row inserts of `order_items` are
//! reported with their batched forms, the pagination that goes 3,900 rows deep with its
//! keyset form — and what does not apply stays quiet.

mod common;

use common::{analyze_json, findings_of};
use serde_json::Value;

fn shop_findings(rule: &str) -> Vec<Value> {
    let report = analyze_json([
        "--log",
        "fixtures/logs/shop.log",
        "--schema",
        "fixtures/schema/shop.dump.sql",
    ]);
    findings_of(&report, rule)
}

#[test]
fn the_order_items_loop_after_orders_is_an_n_plus_one_with_an_any_rewrite() {
    let findings = shop_findings("BAT001");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    // The child first, then the parent.
    assert_eq!(
        finding["queries"],
        serde_json::json!(["26d1ae66ac1415aa", "f543691069f50d0d"])
    );
    assert_eq!(finding["table"], "public.order_items");
    assert_eq!(finding["columns"], serde_json::json!(["order_id"]));
    assert_eq!(
        finding["sql"],
        "select order_id, product_id, qty, price from order_items where order_id = ANY($1);"
    );
    let message = finding["message"].as_str().unwrap();
    for part in [
        "select product_id, qty, price from order_items where order_id = $1",
        "select id from orders where user_id = $1",
        "4 loops (median 10, max 25 calls)",
        "70 calls",
        "saves 66 round trips",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
}

#[test]
fn the_one_row_inserts_of_order_items_become_a_multi_row_insert() {
    let findings = shop_findings("BAT002");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding["queries"][0], "527798767a61d1a6");
    assert!(
        finding["sql"]
            .as_str()
            .unwrap()
            .contains("values($1, $2, $3, $4), ($5, $6, $7, $8), ($9, $10, $11, $12)")
    );
    // Pagination, a loop of two updates and the `IN` lookups of four products are no pattern.
    assert!(shop_findings("BAT003").is_empty());
}

#[test]
fn the_deepest_page_of_the_order_items_listing_asks_for_keyset_pagination() {
    // Five calls of one statement, OFFSET 0 to 3900; the slowest (the sample) is OFFSET 0.
    let findings = shop_findings("RW001");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding["table"], "public.order_items");
    let message = finding["message"].as_str().unwrap();
    assert!(message.contains("OFFSET 3900"), "{message}");
    assert!(message.contains("5 calls"), "{message}");
    assert_eq!(
        finding["sql"],
        "SELECT id, order_id, product_id, qty, price FROM order_items WHERE id > $last_id \
         ORDER BY id LIMIT 50;"
    );
}

#[test]
fn advice_that_does_not_fit_the_shop_stays_quiet() {
    // No table is known to be large, and none has live statistics to be stale.
    for rule in ["PART001", "PART002", "STAT001"] {
        assert!(shop_findings(rule).is_empty(), "{rule}");
    }
}
