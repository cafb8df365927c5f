-- helpers.lua - shared test helpers: build paths, file bytes, ELF surgery.
local M = {}

M.build = os.getenv("OXLUA_BUILD") or "build"

function M.obj(name) return ("%s/bpf/%s.bpf.o"):format(M.build, name) end

function M.read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Write bytes to a file, replacing it.
function M.write(path, bytes)
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
end

-- A new empty directory (the caller removes it).
function M.tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(M.sh("mkdir -m 0700 " .. d))
  return d
end

function M.is_root()
  local p = io.popen("id -u")
  local uid = p:read("l")
  p:close()
  return uid == "0"
end

-- Replace bytes at a 0-based offset with string.pack(fmt, ...).
function M.patch(bytes, off, fmt, ...)
  local v = string.pack(fmt, ...)
  assert(off >= 0 and off + #v <= #bytes, "patch outside the data")
  return bytes:sub(1, off) .. v .. bytes:sub(off + #v + 1)
end

-- ELF64 little-endian section table: list of sections with their header
-- offset (hdr), and a by-name index.
function M.sections(bytes)
  local shoff = string.unpack("<I8", bytes, 0x28 + 1)
  local shentsize, shnum, shstrndx = string.unpack("<I2I2I2", bytes, 0x3a + 1)
  local secs, by = {}, {}
  for i = 0, shnum - 1 do
    local hdr = shoff + i * shentsize
    local name, typ, flags, _, off, size, link, info, align, entsize =
      string.unpack("<I4I4I8I8I8I8I4I4I8I8", bytes, hdr + 1)
    secs[i] = { index = i, hdr = hdr, name_off = name, type = typ, flags = flags, offset = off,
      size = size, link = link, info = info, align = align, entsize = entsize }
  end
  local strtab = secs[shstrndx]
  for i = 0, shnum - 1 do
    local s = secs[i]
    s.name = bytes:match("^[^%z]*", strtab.offset + s.name_off + 1)
    by[s.name] = s
  end
  return secs, by
end

-- Offsets of fields inside a section header.
M.SH = { name = 0, type = 4, flags = 8, offset = 24, size = 32, link = 40, info = 44, entsize = 56 }

-- File offset of the symbol table entry (Elf64_Sym) of the symbol named name.
M.SYM = { name = 0, info = 4, shndx = 6, value = 8, size = 16 }
function M.symbol(bytes, name)
  local _, by = M.sections(bytes)
  local symtab, strtab = by[".symtab"], by[".strtab"]
  for off = symtab.offset, symtab.offset + symtab.size - 24, 24 do
    local n = string.unpack("<I4", bytes, off + 1)
    if bytes:match("^[^%z]*", strtab.offset + n + 1) == name then return off end
  end
  error("no symbol " .. name)
end

-- The type records of the BTF blob starting at byte offset `at` (0-based) of
-- bytes: list of { id, off (0-based, of the record), kind, vlen, name, size_or_type }.
function M.btf_records(bytes, at)
  local hdr_len, type_off, type_len, str_off = string.unpack("<I4I4I4I4", bytes, at + 4 + 1)
  local tstart, sstart = at + hdr_len + type_off, at + hdr_len + str_off
  local extra = { [1] = 4, [3] = 12, [4] = "12v", [5] = "12v", [6] = "8v", [13] = "8v", [14] = 4,
    [15] = "12v", [17] = 4, [19] = "12v" }
  local recs, off, id = {}, tstart, 1
  while off < tstart + type_len do
    local name_off, info, st = string.unpack("<I4I4I4", bytes, off + 1)
    local kind, vlen = (info >> 24) & 0x1f, info & 0xffff
    recs[id] = { id = id, off = off, kind = kind, vlen = vlen, size_or_type = st,
      name = bytes:match("^[^%z]*", sstart + name_off + 1) }
    local e = extra[kind] or 0
    if type(e) == "string" then e = tonumber(e:sub(1, -2)) * vlen end
    off, id = off + 12 + e, id + 1
  end
  return recs
end

-- Parse a blueprint from bytes, returning (bp, err).
function M.parse(bytes, name)
  local ox = require "oxlua"
  return ox.blueprint { data = bytes, name = name or "mutated.o" }
end

-- This process's pid (read by this process, so not a child's).
function M.pid()
  local f = assert(io.open("/proc/self/stat"))
  local s = f:read("l")
  f:close()
  return tonumber(s:match("^(%d+)"))
end

-- Count open file descriptors of this process.
function M.fd_count()
  local lfs = require "lfs"
  local n = 0
  for _ in lfs.dir("/proc/self/fd") do n = n + 1 end
  return n
end

-- A BTF blob from type records (strings given as a list; names are offsets
-- into "\0" .. table.concat(strings, "\0") .. "\0").
function M.btf(types, strings)
  local tsec = table.concat(types)
  local ssec = "\0" .. table.concat(strings or {}, "\0") .. "\0"
  local hdr = string.pack("<I2BBI4I4I4I4I4", 0xeb9f, 1, 0, 24, 0, #tsec, #tsec, #ssec)
  return hdr .. tsec .. ssec
end

-- BTF type records. info = vlen | kind << 24.
function M.btf_int(name_off, size)
  return string.pack("<I4I4I4I4", name_off, 1 << 24, size, size * 8)
end
function M.btf_ref(kind, name_off, type_id) -- ptr 2, typedef 8, volatile 9, const 10
  return string.pack("<I4I4I4", name_off, kind << 24, type_id)
end
function M.btf_array(elem, index, n)
  return string.pack("<I4I4I4I4I4I4", 0, 3 << 24, 0, elem, index, n)
end
function M.btf_struct(name_off, size, members) -- members: { {name_off, type, bit_off}, ... }
  local t = { string.pack("<I4I4I4", name_off, (4 << 24) | #members, size) }
  for _, m in ipairs(members) do t[#t + 1] = string.pack("<I4I4I4", m[1], m[2], m[3]) end
  return table.concat(t)
end

-- Start the test target held at a FIFO: returns its pid and a function that
-- lets it run and waits for it (returning its output).
function M.spawn(mode, n, prefix)
  local fifo = os.tmpname()
  os.remove(fifo)
  assert(os.execute("mkfifo " .. fifo))
  local p = io.popen(("%s%s%s/tests/target %s %d %s"):format(M.clean_env, prefix or "", M.build, mode, n, fifo))
  local pid = tonumber(p:read("l"))
  local function release()
    local f = assert(io.open(fifo, "w"))
    f:close()
    os.remove(fifo)
    return p
  end
  local function run()
    local out = release():read("a")
    p:close()
    return out
  end
  return pid, run, release
end

-- Commands the tests run must not inherit the sanitizer runtimes that
-- `make test-asan` preloads into the interpreter.
M.clean_env = "env -u LD_PRELOAD "

-- Run a shell command, return its exit status (true/false).
function M.sh(cmd) return os.execute(M.clean_env .. "sh -c '" .. cmd:gsub("'", "'\\''") .. "' >/dev/null 2>&1") == true end

-- Run a shell command and return its output.
function M.output(cmd)
  local p = io.popen(M.clean_env .. "sh -c '" .. cmd:gsub("'", "'\\''") .. "' 2>&1")
  local out = p:read("a")
  p:close()
  return out
end

-- Poll the oxlua loop until cond() holds or timeout seconds pass; returns cond().
function M.poll_until(cond, timeout)
  local ox = require "oxlua"
  local deadline = ox.core.now() + timeout
  while not cond() and ox.core.now() < deadline do ox.poll(20) end
  return cond()
end

-- Create the veth pair A <-> B, both up (IPv6 off unless keep_ipv6, so the
-- kernel sends no frames of its own). Remove it with `ip link del A`.
function M.veth(A, B, keep_ipv6)
  assert(M.sh(("ip link add %s type veth peer name %s"):format(A, B)))
  if not keep_ipv6 then
    M.sh(("sysctl -w net.ipv6.conf.%s.disable_ipv6=1 net.ipv6.conf.%s.disable_ipv6=1"):format(A, B))
  end
  assert(M.sh(("ip link set %s up && ip link set %s up"):format(A, B)))
end

return M
