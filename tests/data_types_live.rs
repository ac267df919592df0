//! Data-type claims judged by the real server: DT009's narrow foreign key fails the insert it
//! says will fail, and its fix rewrites the table, as the message says, and makes it pass.

mod common;

use common::live::{admin, runtime};

#[test]
fn a_narrow_foreign_key_fails_where_dt009_says_and_its_fix_works() {
    let Some(database) = common::live::database("narrow_fk", &[]) else {
        return;
    };
    runtime().block_on(async {
        admin(&database.name)
            .await
            .batch_execute(
                "CREATE TABLE users (id bigint PRIMARY KEY);
                 CREATE TABLE orders (id bigint PRIMARY KEY,
                                      user_id integer NOT NULL REFERENCES users (id));
                 INSERT INTO users VALUES (1), (3000000000);
                 INSERT INTO orders VALUES (1, 1);",
            )
            .await
            .unwrap();
    });
    let report = common::analyze_json(["--db", &database.url("")]);
    let found = common::findings_of(&report, "DT009");
    assert_eq!(found.len(), 1, "{found:?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(message.contains("(integer out of range)"), "{message}");
    assert!(message.contains("rewrites public.orders"), "{message}");
    let fix = found[0]["sql"].as_str().unwrap().to_string();

    runtime().block_on(async {
        let client = admin(&database.name).await;
        let refer_to_the_new_user = "INSERT INTO orders VALUES (2, 3000000000)";
        let error = client
            .execute(refer_to_the_new_user, &[])
            .await
            .unwrap_err();
        let error = error.as_db_error().unwrap();
        assert_eq!(error.message(), "integer out of range");
        let filenode = "SELECT pg_relation_filenode('orders')::bigint";
        let before: i64 = client.query_one(filenode, &[]).await.unwrap().get(0);
        client.batch_execute(&fix).await.unwrap();
        let after: i64 = client.query_one(filenode, &[]).await.unwrap().get(0);
        assert_ne!(before, after, "`{fix}` did not rewrite the table");
        client.execute(refer_to_the_new_user, &[]).await.unwrap();
    });
}
