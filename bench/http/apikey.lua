-- wrk script: send every request with the hopsd API key.
-- The key comes from the environment (HOPS_BENCH_APIKEY), so it never lands
-- on the command line or in a file.
local key = os.getenv("HOPS_BENCH_APIKEY")
if key == nil or key == "" then
  error("HOPS_BENCH_APIKEY is not set")
end
wrk.headers["Authorization"] = "ApiKey " .. key
