-- wrk: POST a 4 KiB body to /echo on every request (scripts/bench-http.sh).
wrk.method = "POST"
wrk.path = "/echo"
wrk.body = string.rep("x", 4096)
wrk.headers["Content-Type"] = "application/octet-stream"
