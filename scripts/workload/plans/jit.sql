-- JIT compiling a short statement (PLAN006): jit_above_cost = 0 compiles every plan.
SET jit_above_cost = 0;
SET jit_inline_above_cost = 0;
SET jit_optimize_above_cost = 0;
SELECT status, count(*) FROM orders GROUP BY status;
