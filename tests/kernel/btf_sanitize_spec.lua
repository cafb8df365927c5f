-- BTF sanitizing for kernels that lack BTF kinds, decided by feature probes
-- and overridable with OXLUA_BTF_CAPS: the rewritten blob has none of the
-- disabled kinds, and objects still load and run with it (or without BTF).
local ox = require "oxlua"
local h = require "support.helpers"

local function elf_btf(name)
  local bytes = h.read(h.obj(name))
  local _, by = h.sections(bytes)
  local s = assert(by[".BTF"], "no .BTF in " .. name)
  return bytes:sub(s.offset + 1, s.offset + s.size)
end

local function kinds(raw)
  return assert(ox.core.btf(raw)).kinds
end

-- A blob with one ENUM64 (compilers here are too old to emit one).
local function enum64_blob()
  local t = string.pack("<I4I4I4", 1, (19 << 24) | 2, 8)	-- ENUM64 "big", 2 values, 8 bytes
    .. string.pack("<I4I4I4", 5, 1, 0)				-- "lo" = 1
    .. string.pack("<I4I4I4", 8, 0, 7)				-- "hi" = 7 << 32
  return h.btf({ t }, { "big", "lo", "hi" })
end

describe("BTF sanitizing", function()
  local raw

  setup(function() raw = elf_btf("btfkinds") end)

  it("leaves a blob alone when every capability is there", function()
    local k = kinds(ox.core.btf_sanitize(raw))
    for _, kind in ipairs { "float", "decl_tag", "type_tag", "var", "datasec", "func", "func_proto" } do
      assert.truthy(k[kind], kind)
    end
  end)

  it("rewrites each kind the kernel lacks, as libbpf does", function()
    local cases = {
      { caps = { decl_tag = false }, gone = { "decl_tag" } },
      { caps = { type_tag = false }, gone = { "type_tag" }, more = "const" },
      { caps = { float = false }, gone = { "float" } },
      { caps = { datasec = false }, gone = { "var", "datasec", "decl_tag" } },
      { caps = { func = false }, gone = { "func", "func_proto", "decl_tag" } },
    }
    local ntypes = assert(ox.core.btf(raw)).types
    for _, c in ipairs(cases) do
      local out = ox.core.btf_sanitize(raw, c.caps)
      local k = kinds(out)
      for _, kind in ipairs(c.gone) do assert.is_nil(k[kind], kind) end
      assert.equal(ntypes, assert(ox.core.btf(out)).types)	-- same ids: nothing renumbered
      if c.more then assert.truthy(k[c.more], c.more) end
    end
  end)

  it("renames a '?' section for kernels that refuse it", function()
    local blob = h.btf({ h.btf_int(0, 4),
      string.pack("<I4I4I4I4", 1, 14 << 24, 1, 0),		-- VAR "x" static
      string.pack("<I4I4I4I4I4I4", 3, (15 << 24) | 1, 4, 2, 0, 4) },	-- DATASEC "?.data"
      { "x", "?.data" })
    assert.truthy(ox.core.btf_sanitize(blob):find("?.data", 1, true))
    local out = ox.core.btf_sanitize(blob, { qmark_datasec = false })
    assert.is_nil(out:find("?.data", 1, true))
    assert.truthy(out:find("_.data", 1, true))
  end)

  it("turns ENUM64 into a union of an appended placeholder int", function()
    local blob = enum64_blob()
    assert.equal(1, kinds(blob).enum64)
    local out = ox.core.btf_sanitize(blob, { enum64 = false })
    local k = kinds(out)
    assert.is_nil(k.enum64)
    assert.equal(1, k.union)
    assert.equal(1, k.int)
    assert.truthy(out:find("enum64_placeholder", 1, true))
    assert.equal(1, kinds(ox.core.btf_sanitize(blob)).enum64)
  end)

  it("keeps a .ksyms entry of type void as it is", function()
    local blob = h.btf({ h.btf_int(1, 4),
      string.pack("<I4I4I4I4", 5, 14 << 24, 1, 2),		-- extern VAR x: int
      string.pack("<I4I4I4", 7, (15 << 24) | 2, 0)		-- DATASEC .ksyms, 2 entries
        .. string.pack("<I4I4I4", 0, 0, 0) .. string.pack("<I4I4I4", 2, 0, 4) },
      { "int", "x", ".ksyms" })
    local out = ox.core.btf_sanitize(blob)
    local k = kinds(out)
    assert.equal(1, k.datasec)
    assert.equal(2, k.var)	-- x and the dummy variable
  end)

  it("makes the .ksyms section loadable: extern functions become a dummy variable", function()
    local out = ox.core.btf_sanitize(elf_btf("ksyms"))
    local k = kinds(out)
    assert.truthy(out:find("dummy_ksym", 1, true))
    assert.equal(kinds(elf_btf("ksyms")).var + 1, k.var)
  end)
end)

-- The load runs in a child process: OXLUA_BTF_CAPS is read from the environment.
local function child(caps, obj, prog, map, progs)
  local cmd = ("OXLUA_BTF_CAPS='%s' OXLUA_LOG=quiet lua5.4 tests/support/btfcaps_child.lua %s %s '%s' %s 2>&1")
    :format(caps, h.obj(obj), prog, map or "", progs or "")
  local p = io.popen(cmd)
  local out = p:read("a")
  p:close()
  local r = { out = out, kinds = {} }
  r.loaded = out:find("^loaded") ~= nil
  r.retval = tonumber(out:match("retval (%d+)"))
  r.prog_btf = tonumber(out:match("prog_btf (%d+)"))
  r.map_btf = tonumber(out:match("map_btf (%d+)"))
  for k in (out:match("kinds ([^\n]*)") or ""):gmatch("%S+") do r.kinds[k] = true end
  return r
end

describe("BTF capabilities at load #root", function()
  it("loads with every kind when the kernel has them all", function()
    local r = child("", "btfkinds", "kinds_xdp", "samples")
    assert(r.loaded, r.out)
    assert.equal(2, r.retval)
    assert.truthy(r.prog_btf > 0 and r.map_btf > 0, r.out)
    for _, k in ipairs { "FLOAT", "DECL_TAG", "TYPE_TAG", "DATASEC", "VAR", "FUNC" } do
      assert.truthy(r.kinds[k], k .. " in " .. r.out)
    end
  end)

  for _, c in ipairs {
    { caps = "-decl_tag", gone = { "DECL_TAG" } },
    { caps = "-type_tag", gone = { "TYPE_TAG" } },
    { caps = "-float", gone = { "FLOAT" } },
    { caps = "-enum64", gone = { "ENUM64" } },
    { caps = "-func_global", gone = {} },
    { caps = "-datasec", gone = { "DATASEC", "VAR", "DECL_TAG" } },
    { caps = "-func", gone = { "FUNC", "FUNC_PROTO", "DECL_TAG" }, no_func_info = true },
    { caps = "-decl_tag,-type_tag,-enum64,-float,-datasec,-func",
      gone = { "DECL_TAG", "TYPE_TAG", "FLOAT", "DATASEC", "VAR", "FUNC", "FUNC_PROTO" }, no_func_info = true },
  } do
    it("loads and runs with " .. c.caps .. ", the kernel's copy lacking those kinds", function()
      local r = child(c.caps, "btfkinds", "kinds_xdp", "samples")
      assert(r.loaded, r.out)
      assert.equal(2, r.retval)
      assert.truthy(r.map_btf > 0, r.out)	-- the BTF was loaded
      if c.no_func_info then
        assert.equal(0, r.prog_btf)		-- func_info names FUNCs: left out
      else
        assert.equal(r.map_btf, r.prog_btf)
      end
      for _, k in ipairs(c.gone) do assert.is_nil(r.kinds[k], k .. " in " .. r.out) end
      assert.truthy(r.kinds.STRUCT and r.kinds.INT, r.out)
    end)
  end

  it("loads the kitchen object without BTF with OXLUA_BTF_CAPS=none", function()
    local r = child("none", "kitchen", "xdp_main", "counters")
    assert(r.loaded, r.out)
    assert.equal(2, r.retval)
    assert.equal(0, r.prog_btf)
    assert.equal(0, r.map_btf)
  end)

  it("loads the kitchen object with no datasec and no func support", function()
    local r = child("-datasec,-func", "kitchen", "xdp_main", "counters")
    assert(r.loaded, r.out)
    assert.equal(2, r.retval)
    assert.truthy(r.map_btf > 0, r.out)
    assert.is_nil(r.kinds.DATASEC)
    assert.is_nil(r.kinds.FUNC)
  end)

  it("loads .ksyms externs with their BTF sanitized", function()
    local r = child("-datasec,-func_global", "ksyms", "task_exists", "", "task_exists,read_addrs")
    assert(r.loaded, r.out)
    assert.truthy(r.prog_btf > 0, r.out)
    assert.is_nil(r.kinds.DATASEC)
  end)

  it("warns about unknown OXLUA_BTF_CAPS words and loads anyway", function()
    local cmd = ("OXLUA_BTF_CAPS=-bogus lua5.4 tests/support/btfcaps_child.lua %s kinds_xdp samples 2>&1")
      :format(h.obj("btfkinds"))
    local p = io.popen(cmd)
    local out = p:read("a")
    p:close()
    assert.truthy(out:find("OXLUA_BTF_CAPS: ignoring '-bogus'", 1, true), out)
    assert.truthy(out:find("\nloaded\n", 1, true) or out:find("^loaded\n"), out)
  end)
end)
