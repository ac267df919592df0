-- The settings the planner's costs depend on, as SHOW prints them (`4GB`, `4`, `auto`), and
-- the search_path that unqualified names in the workload resolve through.
SELECT name::text               AS name,
       current_setting(name)    AS value
FROM pg_settings
WHERE name IN ('seq_page_cost', 'random_page_cost', 'cpu_tuple_cost', 'cpu_index_tuple_cost',
               'cpu_operator_cost', 'effective_cache_size', 'work_mem', 'shared_buffers',
               'default_statistics_target', 'block_size', 'plan_cache_mode', 'jit',
               'search_path')
ORDER BY 1
