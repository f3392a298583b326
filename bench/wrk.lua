-- SPDX-License-Identifier: Apache-2.0
-- Licensed under the Apache License, Version 2.0; see LICENSE.
-- bench/wrk.lua: the wrk (4.x, LuaJIT) script behind bench/run.sh.
--
-- Which requests to send comes from a spec file named by the environment:
--
--   BENCH_SPEC=FILE        one request per line, fields separated by TABs:
--                            METHOD HOST PATH CONTENT-TYPE BODYFILE LEN TOL
--                            [STATUS]
--                          "-" means none (no Content-Type, no body, no
--                          length check).  LEN is the expected body length
--                          in bytes and TOL how far a body may differ from
--                          it (signed profiles vary by a byte or two: DER
--                          ECDSA signatures are 70-72 bytes).  STATUS, when
--                          present and not "-", is the one status the
--                          answer must have (e.g. 404 for a domain that is
--                          not served); without it any 2xx will do.  Lines
--                          starting with # are ignored.  With several lines
--                          the requests are sent in rotation (a spec may
--                          hold 100,000 lines: bench/run.sh --db cycles
--                          through that many domains) and a body must
--                          match one of the lengths, a status one of the
--                          statuses, of the spec (wrk does not tell which
--                          request a response answers).
--   BENCH_OFFSET=N         start the rotation at line N + 1 (modulo the
--                          number of lines), so that consecutive runs can
--                          continue where the previous one stopped.
--   BENCH_STOP_AFTER=N     stop after N responses (only with wrk -t1): the
--                          thread stops and wrk is sent SIGINT once the
--                          thread has ended, so it prints its results
--                          without waiting for -d.  Unset or 0: run for -d.
--
-- Every response is checked: a status outside 200-299 (or, with STATUS
-- fields, not one of them) counts as non2xx, a body of an unexpected length
-- as badlen.  done() prints one line that
-- bench/run.sh parses:
--
--   BENCH requests=N duration_us=N rps=N.N bytes=N lat_p50_us=N
--         lat_p90_us=N lat_p99_us=N lat_p999_us=N lat_max_us=N
--         lat_mean_us=N non2xx=N badlen=N err_connect=N err_read=N
--         err_write=N err_timeout=N err_status=N
--
-- (on one line).  Latencies are wrk's (microseconds, from sending a request
-- to the end of its response).

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua environment).
local reqs = {}          -- pre-formatted request strings
local lens = {}          -- distinct { len, tol } of the spec
local any_len = false    -- a line without a length: any length will do
local statuses = nil     -- set of expected statuses, or nil for 2xx
local any_2xx = false    -- a line without STATUS: any 2xx will do
local nreq = 0
local next_req = 0
local responses = 0
local stop_after = 0
local stopped = false
non2xx = 0               -- globals: read by done() through thread:get()
badlen = 0

local function slurp(path)
    local f = assert(io.open(path, "rb"), "cannot open " .. path)
    local data = f:read("*a")
    f:close()
    return data
end

local function fields(line)
    local t = {}
    for f in (line .. "\t"):gmatch("([^\t]*)\t") do
        t[#t + 1] = f
    end
    return t
end

-- wrk's own process id, to signal it when a request count is reached.
local function own_pid()
    local f = io.open("/proc/self/stat", "r")
    if not f then
        return nil
    end
    local pid = f:read("*l"):match("^(%d+)")
    f:close()
    return pid
end

local wrk_pid

function init(args)
    local spec = os.getenv("BENCH_SPEC")
    assert(spec and spec ~= "", "BENCH_SPEC is not set")
    local seen_len = {}
    for line in io.lines(spec) do
        if line ~= "" and line:sub(1, 1) ~= "#" then
            local f = fields(line)
            assert(#f >= 7, "spec line needs 7 TAB-separated fields: " .. line)
            local method, host, path, ctype, bodyfile, len, tol, status =
                f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]
            local headers = { Host = host }
            local body = nil
            if ctype ~= "-" then
                headers["Content-Type"] = ctype
            end
            if bodyfile ~= "-" then
                body = slurp(bodyfile)
            end
            nreq = nreq + 1
            reqs[nreq] = wrk.format(method, path, headers, body)
            if len ~= "-" then
                local key = len .. "/" .. (tol or "0")
                if not seen_len[key] then
                    seen_len[key] = true
                    lens[#lens + 1] = { tonumber(len), tonumber(tol) or 0 }
                end
            else
                any_len = true
            end
            if status and status ~= "" and status ~= "-" then
                statuses = statuses or {}
                statuses[tonumber(status)] = true
            else
                any_2xx = true
            end
        end
    end
    assert(nreq > 0, "no request in " .. spec)
    next_req = (tonumber(os.getenv("BENCH_OFFSET") or "0") or 0) % nreq
    stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "0") or 0
    if stop_after > 0 then
        wrk_pid = own_pid()
        assert(wrk_pid, "cannot read /proc/self/stat")
    end
end

function request()
    next_req = next_req % nreq + 1
    return reqs[next_req]
end

local function length_ok(n)
    if any_len then
        return true
    end
    for i = 1, #lens do
        local l = lens[i]
        if math.abs(n - l[1]) <= l[2] then
            return true
        end
    end
    return false
end

local function status_ok(status)
    if any_2xx and status >= 200 and status <= 299 then
        return true
    end
    return statuses ~= nil and statuses[status] == true
end

function response(status, headers, body)
    responses = responses + 1
    if not status_ok(status) then
        non2xx = non2xx + 1
    end
    if not length_ok(body and #body or 0) then
        badlen = badlen + 1
    end
    if stop_after > 0 and not stopped and responses >= stop_after then
        stopped = true
        wrk.thread:stop()
        -- wrk's main thread sleeps for -d; SIGINT wakes it.  Sent a moment
        -- later, when this thread has ended, so that the main thread (the
        -- only one left) is the one that receives it.
        os.execute("(sleep 0.2; kill -INT " .. wrk_pid .. ") </dev/null >/dev/null 2>&1 &")
    end
end

function done(summary, latency, requests)
    local n2, bl = 0, 0
    for _, t in ipairs(threads) do
        n2 = n2 + (t:get("non2xx") or 0)
        bl = bl + (t:get("badlen") or 0)
    end
    local e = summary.errors
    local secs = summary.duration / 1e6
    io.write(string.format(
        "BENCH requests=%d duration_us=%d rps=%.1f bytes=%d " ..
        "lat_p50_us=%d lat_p90_us=%d lat_p99_us=%d lat_p999_us=%d " ..
        "lat_max_us=%d lat_mean_us=%.0f non2xx=%d badlen=%d " ..
        "err_connect=%d err_read=%d err_write=%d err_timeout=%d " ..
        "err_status=%d\n",
        summary.requests, summary.duration,
        secs > 0 and summary.requests / secs or 0, summary.bytes,
        latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency:percentile(99.9),
        latency.max, latency.mean, n2, bl,
        e.connect, e.read, e.write, e.timeout, e.status))
end
