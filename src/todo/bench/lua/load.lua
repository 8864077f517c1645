-- `todo bench api`'s load: one pattern of requests spread over many users and their tasks.
--
--   wrk --threads=T -s load.lua URL -- PATTERN DATA_FILE T SPARE
--
-- DATA_FILE (written by todo.bench.load_data) has tab-separated lines:
--   password <the seeded users' password>
--   user     <id> <HS256 JWT> <session token> <email> <deep-page query> <search query>
--            <Today query>
--   task     <user number> <task id>        (tasks to get, update, toggle)
--   doomed   <user number> <task id>        (tasks to delete, each once)
-- Users are numbered from 1 in the order of their lines. Every request picks a random user (or
-- a random one of the sampled tasks), so a user's share of the load, and of its rate limit, is
-- the same for all; sign-in takes users in turn instead (see user_in_turn). A thread that
-- deletes stops SPARE tasks before its share runs out (each connection may have a request out).
-- A response that is not 2xx counts as an error; `done` prints one line
-- "todo-bench-result {json}" that the Python side parses.

local pattern, users, tasks, doomed, password = nil, {}, {}, {}, nil
local next_doomed, spare = 1, 0
local turn, step = 0, 1
local USER_AGENT = "todo-bench-api"
local threads = {}
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_number", thread_count)
   table.insert(threads, thread)
end

local function fields(line)
   local found = {}
   for field in string.gmatch(line, "[^\t]+") do
      found[#found + 1] = field
   end
   return found
end

local function load(path, my_number, thread_total)
   local file = assert(io.open(path, "r"))
   local doomed_seen = 0
   for line in file:lines() do
      local f = fields(line)
      if f[1] == "user" then
         users[#users + 1] = { id = f[2], jwt = f[3], session = f[4], email = f[5], deep = f[6],
                               search = f[7], today = f[8] }
      elseif f[1] == "task" then
         tasks[#tasks + 1] = { user = tonumber(f[2]), id = f[3] }
      elseif f[1] == "doomed" then
         -- Each thread deletes its own share, so no task is deleted twice.
         doomed_seen = doomed_seen + 1
         if doomed_seen % thread_total == my_number - 1 then
            doomed[#doomed + 1] = { user = tonumber(f[2]), id = f[3] }
         end
      elseif f[1] == "password" then
         password = f[2]
      end
   end
   file:close()
   assert(#users > 0, "no users in " .. path)
end

-- Globals, so that `done` can read each thread's with thread:get.
failed, limited, statuses = 0, 0, {}

function init(args)
   pattern = args[1]
   local thread_total = tonumber(args[3])
   load(args[2], thread_number, thread_total)
   turn, step = thread_number - thread_total, thread_total
   spare = tonumber(args[4] or "0")
   math.randomseed(os.time() * 1000 + thread_number)
end

local function headers(user, extra)
   local h = { ["User-Agent"] = USER_AGENT, ["Authorization"] = "Bearer " .. user.jwt }
   for k, v in pairs(extra or {}) do
      h[k] = v
   end
   return h
end

local JSON = { ["Content-Type"] = "application/json" }

local function random_user()
   local n = math.random(#users)
   return users[n], n
end

local function random_task()
   local task = tasks[math.random(#tasks)]
   return users[task.user], task.id
end

-- Auth routes limit requests per client address; each user calls from an address of its own
-- (the server trusts X-Forwarded-For from 127.0.0.1, uvicorn's default).
local function address(n)
   return string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
end

local build = {}

function build.list()
   local user = random_user()
   return wrk.format("GET", "/api/" .. user.id .. "/tasks", headers(user))
end

build["list-incomplete"] = function()
   local user = random_user()
   return wrk.format("GET", "/api/" .. user.id .. "/tasks?completed=false", headers(user))
end

build["list-deep"] = function()
   local user = random_user()
   return wrk.format("GET", "/api/" .. user.id .. "/tasks?" .. user.deep, headers(user))
end

-- A word prefix from one of the user's own titles, as someone typing in the search box.
function build.search()
   local user = random_user()
   return wrk.format("GET", "/api/" .. user.id .. "/tasks?" .. user.search, headers(user))
end

-- The Today view: open tasks overdue or due today in the user's zone, soonest first.
function build.today()
   local user = random_user()
   return wrk.format("GET", "/api/" .. user.id .. "/tasks?" .. user.today, headers(user))
end

function build.get()
   local user, task = random_task()
   return wrk.format("GET", "/api/" .. user.id .. "/tasks/" .. task, headers(user))
end

function build.create()
   local user = random_user()
   local body = '{"title":"bench task","description":"made by todo bench api"}'
   return wrk.format("POST", "/api/" .. user.id .. "/tasks", headers(user, JSON), body)
end

function build.update()
   local user, task = random_task()
   local body = '{"title":"bench task, changed","description":"changed by todo bench api"}'
   return wrk.format("PUT", "/api/" .. user.id .. "/tasks/" .. task, headers(user, JSON), body)
end

function build.toggle()
   local user, task = random_task()
   return wrk.format("PATCH", "/api/" .. user.id .. "/tasks/" .. task .. "/complete", headers(user))
end

function build.delete()
   local task = doomed[next_doomed]
   if task == nil or next_doomed > #doomed - spare then
      -- The supply is spent: this thread stops (wrk's rate is over the time it ran).
      wrk.thread:stop()
      task = doomed[#doomed]
   end
   next_doomed = next_doomed + 1
   local user = users[task.user]
   return wrk.format("DELETE", "/api/" .. user.id .. "/tasks/" .. task.id, headers(user))
end

-- Users in turn, each thread its own (every thread_total-th): a user never signs in twice at
-- once (unless there are fewer users than connections), which the sign-in throttle would
-- rightly hold back, since an attempt counts as a failure until its password is checked.
local function user_in_turn()
   turn = turn + step
   local n = (turn - 1) % #users + 1
   return users[n], n
end

build["sign-in"] = function()
   local user, n = user_in_turn()
   local h = { ["User-Agent"] = USER_AGENT, ["Content-Type"] = "application/json",
               ["X-Forwarded-For"] = address(n) }
   local body = '{"email":"' .. user.email .. '","password":"' .. password .. '"}'
   return wrk.format("POST", "/api/auth/sign-in/email", h, body)
end

function build.token()
   local user, n = random_user()
   local h = { ["User-Agent"] = USER_AGENT, ["Authorization"] = "Bearer " .. user.session,
               ["X-Forwarded-For"] = address(n) }
   return wrk.format("GET", "/api/auth/token", h)
end

function request()
   return build[pattern]()
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      failed = failed + 1
      if status == 429 then
         limited = limited + 1
      end
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local failed_total, limited_total, by_status = 0, 0, {}
   for _, thread in ipairs(threads) do
      failed_total = failed_total + thread:get("failed")
      limited_total = limited_total + thread:get("limited")
      for status, count in pairs(thread:get("statuses")) do
         by_status[status] = (by_status[status] or 0) + count
      end
   end
   local codes = {}
   for status, count in pairs(by_status) do
      codes[#codes + 1] = string.format('"%d":%d', status, count)
   end
   local e = summary.errors
   io.write(string.format(
      'todo-bench-result {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
      '"wrk_status_errors":%d,"not_2xx":%d,"rate_limited":%d,"statuses":{%s},' ..
      '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p95":%d,"p99":%d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.timeout, e.status, failed_total, limited_total,
      table.concat(codes, ","), latency.mean, latency.max, latency:percentile(50),
      latency:percentile(90), latency:percentile(95), latency:percentile(99)))
end
