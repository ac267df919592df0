-- Row misestimate (PLAN001): the planner guesses 0.5 % of the rows for an equality on an
-- expression it has no statistics for; half of them match.
SELECT count(*) FROM order_items WHERE id % 2 = 0;
