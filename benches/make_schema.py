#!/usr/bin/env python3
"""A pg_dump-shaped schema of N tables for benches/schema_scale.sh: each table has a bigint
primary key, a foreign key to the table before it, a two-column index and a unique
constraint, written as pg_dump writes them (tables first, then keys, indexes and foreign
keys as ALTER TABLE / CREATE INDEX statements).

    benches/make_schema.py N > schema.sql
"""
import sys


def main():
    n = int(sys.argv[1])
    out = sys.stdout
    for i in range(n):
        out.write(
            f"CREATE TABLE public.t{i} (\n    id bigint NOT NULL,\n    parent_id bigint,\n"
            f"    code text NOT NULL,\n    name text,\n"
            f"    created_at timestamp with time zone DEFAULT now()\n);\n\n"
        )
    for i in range(n):
        out.write(f"ALTER TABLE ONLY public.t{i}\n    ADD CONSTRAINT t{i}_pkey PRIMARY KEY (id);\n\n")
        out.write(f"ALTER TABLE ONLY public.t{i}\n    ADD CONSTRAINT t{i}_code_key UNIQUE (code);\n\n")
    for i in range(n):
        out.write(f"CREATE INDEX t{i}_name_idx ON public.t{i} USING btree (name, created_at);\n\n")
    for i in range(1, n):
        out.write(
            f"ALTER TABLE ONLY public.t{i}\n    ADD CONSTRAINT t{i}_parent_id_fkey "
            f"FOREIGN KEY (parent_id) REFERENCES public.t{i - 1}(id);\n\n"
        )


if __name__ == "__main__":
    main()
