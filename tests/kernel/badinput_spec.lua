-- Bad input: every malformed object gives nil and a message naming the file
-- and what is wrong; never a crash, never a partial result.
local ox = require "oxlua"
local h = require "support.helpers"

local kitchen = h.read(h.obj("kitchen"))
local secs, by = h.sections(kitchen)

local function fails(bytes, pattern)
  local bp, err = h.parse(bytes, "bad.o")
  assert.is_nil(bp)
  assert.is_string(err)
  assert.matches("^bad%.o: ", err)
  if pattern then assert.matches(pattern, err) end
  return err
end

describe("bad objects", function()
  it("rejects a missing file with the errno name", function()
    local bp, err, errno = ox.blueprint("/nonexistent/x.o")
    assert.is_nil(bp)
    assert.equal("/nonexistent/x.o: ENOENT: No such file or directory", err)
    assert.equal(2, errno)
  end)

  it("rejects what is not ELF", function()
    fails("", "not an ELF file")
    fails("hello, definitely not an object", "not an ELF file")
  end)

  it("rejects ELF that is not BPF", function()
    fails(h.read("/bin/true"), "not a BPF object %(e_machine 62, expected 247%)")
  end)

  it("rejects the wrong class and byte order", function()
    fails(h.patch(kitchen, 4, "B", 1), "32%-bit ELF")
    fails(h.patch(kitchen, 5, "B", 2), "big%-endian ELF")
  end)

  it("rejects truncated files at every length", function()
    fails(kitchen:sub(1, 20), "truncated ELF header %(20 bytes%)")
    fails(kitchen:sub(1, #kitchen // 2), "section header table .* past the end of the file")
    local n = 0
    for len = 0, #kitchen - 1, 3 do
      fails(kitchen:sub(1, len))
      n = n + 1
    end
    assert.truthy(n > 1000)
  end)

  it("rejects section headers out of range", function()
    fails(h.patch(kitchen, 0x28, "<I8", 1 << 40), "section header table %(offset 1099511627776")
    fails(h.patch(kitchen, 0x3e, "<I2", 999), "section name table index 999 out of range")
    fails(h.patch(kitchen, by.xdp.hdr + h.SH.offset, "<I8", #kitchen - 8),
      "section 'xdp': offset %d+ %+ size 1008 is past the end of the file")
  end)

  it("rejects sh_entsize 0", function()
    fails(h.patch(kitchen, by[".symtab"].hdr + h.SH.entsize, "<I8", 0),
      "section '%.symtab': sh_entsize 0, expected 24")
    fails(h.patch(kitchen, by[".relxdp"].hdr + h.SH.entsize, "<I8", 0),
      "section '%.relxdp': sh_entsize 0, expected 16")
  end)

  it("rejects relocations past a section's end", function()
    fails(h.patch(kitchen, by[".relxdp"].offset, "<I8", 1 << 20),
      "section 'xdp': relocation 0 at offset 1048576 is past the section's end %(1008 bytes%)")
  end)

  it("rejects relocations naming a missing symbol", function()
    fails(h.patch(kitchen, by[".relxdp"].offset + 8, "<I8", (9999 << 32) | 1),
      "relocation 0 names symbol 9999, but the symbol table has %d+")
  end)

  it("rejects references to undefined variables", function()
    local bp, err = ox.blueprint(h.obj("badextern"))
    assert.is_nil(bp)
    assert.matches("badextern%.bpf%.o: extern 'defined_nowhere' is in neither %.kconfig nor %.ksyms", err)
  end)

  it("rejects bogus BTF inside the object", function()
    local btf = by[".BTF"]
    fails(h.patch(kitchen, btf.offset, "<I2", 0x1234), "section '%.BTF': BTF: bad magic 0x1234")
    fails(h.patch(kitchen, btf.offset + 12, "<I4", 0x7fffffff), "BTF: type section .* outside the blob")
    fails(h.patch(kitchen, btf.offset + 20, "<I4", 0x7fffffff), "BTF: string section .* outside the blob")
    local t1 = btf.offset + string.unpack("<I4", kitchen, btf.offset + 4 + 1)
    fails(h.patch(kitchen, t1 + 8, "<I4", 99999), "BTF: type 1 references type 99999 out of range")
    fails(h.patch(kitchen, t1 + 4, "<I4", 31 << 24), "BTF: type 1 has unknown kind 31")
    fails(h.patch(kitchen, by[".BTF.ext"].hdr + h.SH.size, "<I8", 10), "section '%.BTF%.ext': BTF%.ext: ")
  end)

  it("rejects map definitions with impossible sizes", function()
    local legacy = h.read(h.obj("legacy"))
    local _, lb = h.sections(legacy)
    fails(h.patch(legacy, lb.maps.offset + 4, "<I4", 0x7fffffff), "map 'legacy_counts': key_size 2147483647")
    fails(h.patch(legacy, lb.maps.offset + 20 + 8, "<I4", 0x7fffffff), "map 'legacy_hash': key_size 8 / value_size 2147483647 is impossibly large")
  end)

  it("parses sizes that an override can still make valid, and refuses them at load #root", function()
    local legacy = h.read(h.obj("legacy"))
    local _, lb = h.sections(legacy)
    local function load_fails(bytes, pattern)
      local bp = assert(h.parse(bytes, "sizes.o"))
      local g = ox.group { blueprint = bp, versions = { ox.version { programs = { "legacy_prog" } } } }
      local ok, err, errno = g:load()
      assert.is_nil(ok)
      assert.matches(pattern, err)
      assert.equal(22, errno) -- EINVAL
      g:close()
    end
    load_fails(h.patch(legacy, lb.maps.offset + 20 + 8, "<I4", 0), "map 'legacy_hash': value_size 0 is invalid for hash")
    load_fails(h.patch(legacy, lb.maps.offset + 12, "<I4", 0),
      "map 'legacy_counts': max_entries 0 is invalid for array %(set it before load: a version's maps = { legacy_counts = { max_entries = N } }%)")
    load_fails(h.patch(legacy, lb.maps.offset + 4, "<I4", 8), "map 'legacy_counts': array needs a 4%-byte key, not 8")
    load_fails(h.patch(legacy, lb.maps.offset + 20 + 4, "<I4", 0), "map 'legacy_hash': key_size 0 is invalid for hash")
    load_fails(h.patch(legacy, lb.maps.offset, "<I4", 0), "map 'legacy_counts': no map type")
  end)

  it("survives random corruption: each result is a blueprint or a message", function()
    local rng_state = 12345
    local function rand(n) rng_state = (rng_state * 1103515245 + 12345) % 2147483648 return rng_state % n end
    local errors, ok = 0, 0
    for _ = 1, 2000 do
      local b = kitchen
      for _ = 1, 1 + rand(4) do
        local off = rand(#b)
        b = b:sub(1, off) .. string.char(rand(256)) .. b:sub(off + 2)
      end
      local bp, err = h.parse(b, "bad.o")
      if bp then ok = ok + 1 else
        assert.matches("^bad%.o: .+", err)
        errors = errors + 1
      end
    end
    assert.equal(2000, errors + ok)
    assert.truthy(errors > 50)
  end)
end)

describe("bogus BTF alone", function()
  local core = ox.core

  it("accepts a well-formed blob", function()
    local blob = h.btf({ h.btf_int(1, 4), h.btf_ref(8, 5, 1) }, { "int", "u32" })
    assert.same({ types = 2, size = #blob, kinds = { int = 1, typedef = 1 } }, core.btf(blob))
  end)

  it("rejects bad lengths", function()
    local blob = h.btf({ h.btf_int(1, 4) }, { "int" })
    local nilv, err = core.btf(blob:sub(1, 30))
    assert.is_nil(nilv)
    assert.matches("^BTF: ", err)
    assert.matches("^BTF: ", select(2, core.btf(blob:sub(1, 10))))
  end)

  it("rejects a name offset outside the strings", function()
    local _, err = core.btf(h.btf({ h.btf_int(500, 4) }, { "int" }))
    assert.matches("BTF: type 1 .*500", err)
  end)

  it("rejects loops that do not go through a pointer", function()
    local _, err = core.btf(h.btf({ h.btf_ref(8, 1, 2), h.btf_ref(10, 0, 1) }, { "a" }))
    assert.matches("^BTF: .*loop", err)
    _, err = core.btf(h.btf({ h.btf_int(1, 4), h.btf_struct(3, 8, { { 5, 2, 0 } }) }, { "u", "s", "self" }))
    assert.matches("^BTF: .*loop", err)
  end)

  it("accepts loops through pointers", function()
    local blob = h.btf({ h.btf_struct(1, 8, { { 3, 2, 0 } }), h.btf_ref(2, 0, 1) }, { "list", "next" })
    assert.same({ types = 2, size = #blob, kinds = { struct = 1, ptr = 1 } }, core.btf(blob))
  end)

  it("rejects out-of-range type ids", function()
    local _, err = core.btf(h.btf({ h.btf_ref(2, 0, 7) }))
    assert.equal("BTF: type 1 references type 7 out of range (max 1)", err)
  end)

  it("limits types to 1M", function()
    local ptr = h.btf_ref(2, 0, 0)	-- void *
    local _, err = core.btf(h.btf({ string.rep(ptr, (1 << 20) + 1) }))
    assert.equal("BTF: more than 1048576 types", err)
    assert.same({ types = 1 << 20, size = 24 + 12 * (1 << 20) + 2, kinds = { ptr = 1 << 20 } },
      core.btf(h.btf({ string.rep(ptr, 1 << 20) })))
  end)
end)

describe("limits and overflow checks", function()
  it("rejects code at a misaligned file offset", function()
    fails(h.patch(kitchen, by.xdp.hdr + h.SH.offset, "<I8", by.xdp.offset + 4),
      "section 'xdp': code at file offset %d+ is not 8%-byte aligned")
  end)

  it("rejects a function without instructions", function()
    local sym = h.symbol(kitchen, "xdp_outer")
    local b = h.patch(kitchen, sym + h.SYM.value, "<I8", by.xdp.size)
    fails(h.patch(b, sym + h.SYM.size, "<I8", 0), "function 'xdp_outer' has no instructions")
  end)

  it("rejects a BTF map definition outside '.maps'", function()
    local sym = h.symbol(kitchen, "percpu_hits")
    fails(h.patch(kitchen, sym + h.SYM.size, "<I8", 1 << 40),
      "map 'percpu_hits': definition %(offset 112, size 1099511627776%) outside section '%.maps' %(280 bytes%)")
    -- an offset past 4 GiB is not truncated into the section
    fails(h.patch(kitchen, sym + h.SYM.value, "<I8", 1 << 32),
      "variable 'percpu_hits' %(offset 4294967295, size 32%) outside the section %(280 bytes%)")
  end)

  it("limits a global data section to 1 GiB", function()
    fails(h.patch(kitchen, by[".bss"].hdr + h.SH.size, "<I8", (1 << 30) + 1),
      "section '%.bss': 1073741825 bytes is too large")
    fails(h.patch(kitchen, by[".bss"].hdr + h.SH.size, "<I8", (1 << 32) + 8),
      "section '%.bss': 4294967304 bytes is too large")
  end)

  it("limits the file to 256 MiB", function()
    local path = os.tmpname()
    assert(os.execute("truncate -s 268435457 " .. path))
    local bp, err = ox.blueprint(path)
    os.remove(path)
    assert.is_nil(bp)
    assert.equal(path .. ": 268435457 bytes, larger than the 268435456 byte limit", err)
  end)

  -- kitchen with zeros appended (8-byte aligned), and the offset where they start
  local function grown(extra)
    local b = kitchen .. string.rep("\0", (8 - #kitchen % 8) % 8)
    return b .. string.rep("\0", extra), #b
  end

  it("limits sections to 65536", function()
    local n, shnum = 70000, string.unpack("<I2", kitchen, 0x3c + 1)
    local b, at = grown(n * 64)
    -- extended numbering: e_shnum 0, the count in section 0's sh_size
    b = b:sub(1, at) .. kitchen:sub(secs[0].hdr + 1, secs[0].hdr + shnum * 64) .. b:sub(at + shnum * 64 + 1)
    b = h.patch(h.patch(b, 0x28, "<I8", at), 0x3c, "<I2", 0)
    fails(h.patch(b, at + h.SH.size, "<I8", n), "70000 sections %(expected 1 to 65536%)")
  end)

  it("limits symbols to 1M", function()
    local n = (1 << 20) + 1
    local b, at = grown(n * 24)
    b = h.patch(b, by[".symtab"].hdr + h.SH.offset, "<I8", at)
    fails(h.patch(b, by[".symtab"].hdr + h.SH.size, "<I8", n * 24), "1048577 symbols %(limit 1048576%)")
  end)

  it("limits a function to 1M instructions", function()
    local n = (1 << 20) + 1
    local b, at = grown(n * 8)
    b = h.patch(b, by.xdp.hdr + h.SH.offset, "<I8", at)
    b = h.patch(b, by.xdp.hdr + h.SH.size, "<I8", n * 8)
    b = h.patch(b, h.symbol(kitchen, "xdp_main") + h.SYM.size, "<I8", n * 8)
    fails(b, "function 'xdp_main': 1048577 instructions %(limit 1048576%)")
  end)

  it("limits a program to 1M instructions with its subprograms #root", function()
    -- xdp_main (600000 instructions) calls xdp_second (600000) in the same section
    local half = 600000
    local b, at = grown((2 * half + 1) * 8)
    b = h.patch(b, at, "<BBi2i4", 0x85, 0x10, 0, half - 1)	-- call pc+599999
    b = h.patch(b, at + 8 * (2 * half - 1), "<BBi2i4", 0x95, 0, 0, 0)	-- exit
    b = h.patch(b, by.xdp.hdr + h.SH.offset, "<I8", at)
    b = h.patch(b, by.xdp.hdr + h.SH.size, "<I8", (2 * half + 1) * 8)
    b = h.patch(b, by[".relxdp"].hdr + h.SH.info, "<I4", 0)	-- its relocations now target nothing
    for name, v in pairs { xdp_main = { 0, half }, xdp_second = { half, half }, xdp_outer = { 2 * half, 1 } } do
      local sym = h.symbol(kitchen, name)
      b = h.patch(h.patch(b, sym + h.SYM.value, "<I8", v[1] * 8), sym + h.SYM.size, "<I8", v[2] * 8)
    end
    local bp = assert(h.parse(b, "big.o"))
    assert.equal(half, bp.programs.xdp_main.insns)
    local g = ox.group { blueprint = bp, versions = { ox.version { programs = { "xdp_main" } } } }
    local ok, err = g:load()
    g:close()
    assert.is_nil(ok)
    assert.matches("program 'xdp_main' exceeds 1048576 instructions with its subprograms", err, 1, true)
  end)

  it("rejects a map-in-map slot set twice, and more slots than the definition holds", function()
    local rel = by[".rel.maps"]
    local first = kitchen:sub(rel.offset + 1, rel.offset + 16)
    fails(h.patch(kitchen, rel.offset + 16, "c16", first), "map 'outer': initial slot 0 is set twice")
    local b, at = grown(7 * 16)
    b = h.patch(b, at, "c112", first:rep(7))
    b = h.patch(b, rel.hdr + h.SH.offset, "<I8", at)
    fails(h.patch(b, rel.hdr + h.SH.size, "<I8", 7 * 16),
      "map 'outer': more initial slots than its definition holds")
  end)

  it("rejects two programs of one name, and code without a function symbol", function()
    local main, second = h.symbol(kitchen, "xdp_main"), h.symbol(kitchen, "xdp_second")
    fails(h.patch(kitchen, second + h.SYM.name, "<I4", string.unpack("<I4", kitchen, main + 1)),
      "two programs are named 'xdp_main'")
    local tc = h.symbol(kitchen, "tc_count")
    fails(h.patch(kitchen, tc + h.SYM.info, "B", 0x10),	-- global NOTYPE
      "section 'tc' has code but no function symbol")
  end)

  it("rejects two relocations of one instruction", function()
    local rel = by[".relxdp"]
    local first = kitchen:sub(rel.offset + 1, rel.offset + 16)
    fails(kitchen:sub(1, rel.offset + 16) .. first .. kitchen:sub(rel.offset + 33),
      "function 'xdp_main': two relocations at instruction %d+")
  end)

  it("limits the relocations of a section", function()
    local n = (1 << 20) + 1
    local b = kitchen .. string.rep("\0", n * 16)
    b = h.patch(b, by[".relxdp"].hdr + h.SH.offset, "<I8", #kitchen)
    fails(h.patch(b, by[".relxdp"].hdr + h.SH.size, "<I8", n * 16),
      "section '%.relxdp': 1048577 relocations %(limit 1048576%)")
  end)

  it("rejects .kconfig externs of impossible sizes", function()
    local recs = h.btf_records(kitchen, by[".BTF"].offset)
    local int, arr
    for _, r in ipairs(recs) do
      if r.kind == 1 and r.name == "int" then int = r end
      if r.kind == 3 and string.unpack("<I4", kitchen, r.off + 20 + 1) == 16 and
        recs[string.unpack("<I4", kitchen, r.off + 12 + 1)].name == "char" then arr = r end
    end
    -- a 16-byte int (valid BTF, but not a value the loader can write)
    local b = h.patch(kitchen, int.off + 8, "<I4", 16)
    fails(h.patch(b, int.off + 12, "<I4", (1 << 24) | 128),
      "extern 'CONFIG_HZ': 16%-byte integer %(expected 1, 2, 4 or 8 bytes%)")
    -- char CONFIG_LOCALVERSION[16] grown to 2 GiB
    fails(h.patch(kitchen, arr.off + 20, "<I4", 0x7fffffff),
      "extern 'CONFIG_LOCALVERSION': 2147483647 bytes, larger than the 1048576 byte limit of %.kconfig")
    -- each within the limit, together over it
    fails(h.patch(kitchen, arr.off + 20, "<I4", 1 << 20),
      "extern '[%w_]+': %.kconfig externs take more than 1048576 bytes")
  end)
end)
