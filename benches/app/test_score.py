#!/usr/bin/env python3
"""Tests of score.py's matching and counting on hand-made findings and on the real key.

usage: python3 benches/app/test_score.py
"""
import json, os, unittest

import score

HERE = os.path.dirname(os.path.abspath(__file__))


def finding(rule, table=None, columns=(), sql="", message="", verified=None):
    return {"rule": rule, "table": table, "columns": list(columns), "sql": sql,
            "message": message, "verified": verified}


class Matches(unittest.TestCase):
    def test_leading_columns_are_a_prefix(self):
        expect = {"rule": ["IDX001"], "table": "public.tasks", "leading": ["project_id"]}
        self.assertTrue(score.matches(finding("IDX001", "public.tasks", ["project_id", "status"]), expect))
        self.assertFalse(score.matches(finding("IDX001", "public.tasks", ["status", "project_id"]), expect))
        self.assertFalse(score.matches(finding("IDX001", "public.users", ["project_id"]), expect))
        self.assertFalse(score.matches(finding("IDX004", "public.tasks", ["project_id"]), expect))

    def test_exact_columns_and_sql(self):
        trap = {"table": "public.jobs", "columns": ["queue"], "sql_contains": ["create index"],
                "sql_lacks": [" where "]}
        plain = "CREATE INDEX CONCURRENTLY j ON public.jobs USING btree (queue);"
        self.assertTrue(score.matches(finding("IDX001", "public.jobs", ["queue"], plain), trap))
        self.assertFalse(score.matches(finding("IDX002", "public.jobs", ["queue"], plain[:-1] + " WHERE locked_at IS NULL;"), trap))
        self.assertFalse(score.matches(finding("IDX001", "public.jobs", ["queue", "run_at"], plain), trap))

    def test_expressions_compare_without_spacing(self):
        expect = {"rule": ["IDX003"], "leading": ["lower(email)"]}
        self.assertTrue(score.matches(finding("IDX003", columns=["lower( email )"]), expect))

    def test_mentions_read_the_message(self):
        expect = {"rule": ["BAT001"], "mentions": ["users"]}
        self.assertTrue(score.matches(finding("BAT001", message="select … from users where id = $1 in 6 loops"), expect))
        self.assertFalse(score.matches(finding("BAT001", message="select … from tasks"), expect))


class Score(unittest.TestCase):
    def setUp(self):
        self.oracle = json.load(open(os.path.join(HERE, "oracle.json")))

    def test_counts_found_missed_traps_and_unmatched(self):
        findings = [
            finding("IDX001", "public.tasks", ["project_id", "status"],
                    "CREATE INDEX CONCURRENTLY t ON public.tasks (project_id, status);",
                    verified={"verdict": "faster", "before_ms": 100.0, "after_ms": 1.0}),
            finding("IDX001", "public.plans", ["code"], "CREATE INDEX CONCURRENTLY p ON public.plans (code);"),
            finding("IDX005", "public.comments", [], "DROP INDEX CONCURRENTLY public.comments_author_id_idx;"),
            finding("RW003", "public.tasks", message="SELECT * reads every column"),
        ]
        found, missed, traps, unmatched, verified = score.score({"findings": findings}, self.oracle)
        self.assertEqual([entry["id"] for entry, *_ in found], ["board"])
        self.assertEqual(len(missed), len(self.oracle["planted"]) - 1)
        self.assertEqual(sorted(entry["id"] for entry, _ in traps),
                         ["drop-used-index-after-reset", "tiny-table-plans"])
        self.assertEqual([f["rule"] for f in unmatched], ["RW003"])
        self.assertEqual(verified, ["board"])

    def test_a_slower_index_is_found_but_not_verified(self):
        slower = finding("IDX001", "public.tasks", ["assignee_id"], "CREATE INDEX x ON public.tasks (assignee_id);",
                         verified={"verdict": "slower", "before_ms": 1.0, "after_ms": 2.0})
        found, _, _, _, verified = score.score({"findings": [slower]}, self.oracle)
        self.assertEqual([(entry["id"], ok) for entry, _, ok, _ in found], [("my-work", False)])
        self.assertEqual(verified, [])


if __name__ == "__main__":
    unittest.main()
