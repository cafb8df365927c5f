-- CO-RE relocations: against the running kernel's BTF, against a BTF file
-- given in its place, against module BTF (split BTF) in a test directory;
-- poisoned relocations and invalid records.
local ox = require "oxlua"
local h = require "support.helpers"

local TP = "tracepoint:syscalls:sys_enter_getppid"
local PKT = string.rep("\0", 64)

-- The CO-RE relocation records of an object: { at (byte offset of the
-- record in the file), sec, insn_off, type_id, access, kind }.
local function core_records(bytes)
  local _, by = h.sections(bytes)
  local btf, ext = by[".BTF"], by[".BTF.ext"]
  local bhdr = string.unpack("<I4", bytes, btf.offset + 4 + 1)
  local str_off = string.unpack("<I4", bytes, btf.offset + 16 + 1)
  local strs = btf.offset + bhdr + str_off
  local ehdr = string.unpack("<I4", bytes, ext.offset + 4 + 1)
  local co, cl = string.unpack("<I4I4", bytes, ext.offset + 24 + 1)
  local p = ext.offset + ehdr + co
  local rs = string.unpack("<I4", bytes, p + 1)
  local q, stop, recs = p + 4, p + cl, {}
  while q < stop do
    local name_off, num = string.unpack("<I4I4", bytes, q + 1)
    local sec = bytes:match("^[^%z]*", strs + name_off + 1)
    q = q + 8
    for i = 0, num - 1 do
      local at = q + i * rs
      local insn_off, type_id, acc, kind = string.unpack("<I4I4I4I4", bytes, at + 1)
      recs[#recs + 1] = { at = at, sec = sec, insn_off = insn_off, type_id = type_id,
        access_off = acc, access = bytes:match("^[^%z]*", strs + acc + 1), kind = kind }
    end
    q = q + num * rs
  end
  return recs
end

local function records_of(bytes, sec)
  local out = {}
  for _, r in ipairs(core_records(bytes)) do if r.sec == sec then out[#out + 1] = r end end
  return out
end

local function ppid_of(pid)
  local s = h.read("/proc/" .. pid .. "/stat")
  return tonumber(s:match("^%d+ %b() %S+ (%d+)"))
end

local tmpdir, write = h.tmpdir, h.write

describe("CO-RE against the kernel's BTF #root", function()
  local g, pid, kt

  setup(function()
    local run
    pid, run = h.spawn("getppid", 3)
    kt = ox.core.kernel_type("struct task_struct")
    g = ox.group { blueprint = h.obj("core"), versions = { ox.version {
      programs = { ox.program("core_read", { TP }) }, globals = { target_pid = pid } } } }
    local ok, err = g:load()
    assert(ok, err)
    g.expected_ppid = ppid_of(pid)
    run()
  end)
  teardown(function() if g then g:close() end end)

  it("reads nested fields (task->real_parent->tgid), also in a subprogram", function()
    assert.equal(3, g.globals.ran)
    assert.equal(g.expected_ppid, g.globals.ppid)
    assert.equal(pid, g.globals.tgid)
    assert.equal(pid, g.globals.sub_tgid)
  end)

  it("gives field sizes and existence; a guarded read of a missing field loads", function()
    assert.equal(16, g.globals.comm_size)
    assert.equal(1, g.globals.pid_exists)
    assert.equal(0, g.globals.missing_exists)
    assert.equal(-1, g.globals.missing_value)
  end)

  it("gives the kernel's type sizes and type ids", function()
    assert.is_true(kt.size > 0)
    assert.equal(kt.size, g.globals.task_size)
    assert.equal(kt.id, g.globals.task_kernel_id)
    local bp = ox.blueprint(h.obj("core"))
    assert.is_true(g.globals.task_local_id >= 1 and g.globals.task_local_id <= bp.object:info().btf.types)
    assert.are_not.equal(0, g.globals.task_local_id)
  end)

  it("gives enum values and their existence from the kernel's BTF", function()
    local e = ox.core.kernel_type("enum bpf_map_type")
    assert.equal(e.values.BPF_MAP_TYPE_RINGBUF, g.globals.ringbuf_value)
    assert.equal(e.values.BPF_MAP_TYPE_ARRAY, g.globals.array_value)
    assert.equal(1, g.globals.ringbuf_exists)
    assert.equal(0, g.globals.nope_exists)
  end)

  it("tells which types exist", function()
    assert.equal(1, g.globals.task_exists)
    assert.equal(0, g.globals.nosuch_exists)
  end)

  it("matches types (TYPE_MATCHES records)", function()
    local bytes = h.read(h.obj("core"))
    local recs = records_of(bytes, "tc")
    assert.equal(2, #recs)
    for _, r in ipairs(recs) do
      assert.equal(8, r.kind) -- TYPE_EXISTS
      bytes = h.patch(bytes, r.at + 12, "<I4", 12) -- TYPE_MATCHES
    end
    local bp = assert(h.parse(bytes, "matches.o"))
    local inst = assert(bp.object:load { programs = { "core_matches" } })
    finally(function() inst:close() end)
    inst:program("core_matches"):test_run { data = PKT }
    assert.equal(1, inst:global("list_matches"))
    assert.equal(0, inst:global("list_ox_matches"))
  end)

  it("fails the load of a reachable unresolved relocation, naming type and field", function()
    local bp = ox.blueprint(h.obj("core"))
    local inst, err = bp.object:load { programs = { "core_unguarded" } }
    assert.is_nil(inst)
    assert.matches("program 'core_unguarded': CO-RE relocation failed: struct task_struct___ox: "
      .. "field 'no_such_field' (access 0:1) not found in the kernel's BTF", err, 1, true)
    assert.matches("invalid func unknown#195896080", err, 1, true)
  end)

  it("names a type the kernel does not have", function()
    local bp = ox.blueprint(h.obj("core"))
    local inst, err = bp.object:load { programs = { "core_module" } }
    assert.is_nil(inst)
    assert.matches("CO-RE relocation failed: struct ox_mod_only: no such type in the kernel's BTF",
      err, 1, true)
  end)
end)

describe("CO-RE with module BTF #root", function()
  local dir

  -- A split BTF on top of vmlinux defining struct ox_mod_only with b at byte 16.
  local function module_btf(b_bits)
    local vml = h.read("/sys/kernel/btf/vmlinux")
    local base_strs = string.unpack("<I4", vml, 20 + 1)
    local n = ox.core.btf(vml).types
    local int = ox.core.kernel_type("int").id
    local S = base_strs
    -- strings: "\0" s64(1) ox_mod_only(5) a(17) pad1(19) pad2(24) b(29)
    local types = {
      h.btf_int(S + 1, 8),
      h.btf_struct(S + 5, 24, { { S + 17, int, 0 }, { S + 19, int, 32 }, { S + 24, n + 1, 64 },
        { S + 29, n + 1, b_bits or 128 } }),
    }
    return h.btf(types, { "s64", "ox_mod_only", "a", "pad1", "pad2", "b" }), vml
  end

  setup(function()
    dir = tmpdir()
    local mod, vml = module_btf()
    write(dir .. "/vmlinux", vml)
    write(dir .. "/ox_test_mod", mod)
    write(dir .. "/zz_corrupt", "this is not BTF at all")
  end)
  teardown(function() h.sh("rm -rf " .. dir) end)

  it("parses a module's split BTF on top of vmlinux", function()
    local mod, vml = module_btf()
    assert.equal(ox.core.btf(vml).types + 2, ox.core.btf(mod, vml).types)
    local _, err = ox.core.btf(mod)
    assert.matches("^BTF: ", err)
    local t = ox.core.kernel_type("struct ox_mod_only", { btf_dir = dir })
    assert.equal("ox_test_mod", t.module)
    assert.equal(24, t.size)
    assert.equal(ox.core.btf(vml).types + 2, t.id)
    assert.is_nil(ox.core.kernel_type("struct task_struct", { btf_dir = dir }).module)
  end)

  it("resolves types only a module has, skipping a corrupt module BTF", function()
    local bp = ox.blueprint(h.obj("core"))
    local inst, err = bp.object:load { programs = { "core_module" }, btf_dir = dir }
    assert(inst, err)
    finally(function() inst:close() end)
    inst:program("core_module"):test_run { data = PKT }
    assert.equal(16, inst:global("mod_b_off"))
    assert.equal(8, inst:global("mod_b_size"))
    assert.equal(1, inst:global("mod_exists"))
  end)

  it("refuses candidates that disagree (ambiguous)", function()
    local two = tmpdir()
    finally(function() h.sh("rm -rf " .. two) end)
    local mod, vml = module_btf()
    write(two .. "/vmlinux", vml)
    write(two .. "/mod_a", mod)
    write(two .. "/mod_b", (module_btf(64)))
    local bp = ox.blueprint(h.obj("core"))
    local inst, err = bp.object:load { programs = { "core_module" }, btf_dir = two }
    assert.is_nil(inst)
    local id = ox.core.btf(vml).types + 2
    assert.matches(("struct 'ox_mod_only' is ambiguous: candidate types %d of module mod_a and %d of "
      .. "module mod_b in the kernel's BTF give different bit offsets (128 and 64)"):format(id, id), err, 1, true)
  end)

  it("rejects an instruction whose value is not what the object's types give", function()
    local bytes = h.read(h.obj("core"))
    local rec
    for _, r in ipairs(records_of(bytes, "xdp")) do if r.kind == 0 then rec = r end end
    local _, by = h.sections(bytes)
    local at = by.xdp.offset + rec.insn_off + 4 -- the instruction's imm
    assert.equal(8, string.unpack("<i4", bytes, at + 1)) -- offsetof(struct ox_mod_only, b)
    local bp = assert(h.parse(h.patch(bytes, at, "<i4", 9), "patched.o"))
    local inst, err = bp.object:load { programs = { "core_module" }, btf_dir = dir }
    assert.is_nil(inst)
    assert.matches("CO%-RE relocation #%d+ %(byte_off of ox_mod_only%): instruction "
      .. rec.insn_off // 8 .. " holds 9 where the object's types give 8", err)
  end)

  it("fails with the path when the directory's vmlinux is corrupt", function()
    local bad = tmpdir()
    write(bad .. "/vmlinux", "garbage")
    local bp = ox.blueprint(h.obj("core"))
    local inst, err = bp.object:load { programs = { "core_module" }, btf_dir = bad }
    h.sh("rm -rf " .. bad)
    assert.is_nil(inst)
    assert.matches("program 'core_module' has CO-RE relocations: " .. bad .. "/vmlinux: BTF:", err, 1, true)
  end)
end)

-- A real module's BTF, where the kernel has one: veth is a module on
-- Debian's kernels (make kernel-matrix loads it), built in or absent here.
describe("CO-RE against a real module's BTF #root", function()
  local veth_btf = ox.core.stat("/sys/kernel/btf/veth")
  local test = veth_btf and it or function(name)
    pending(name .. " (no /sys/kernel/btf/veth: veth is not a module with BTF on this kernel)")
  end

  test("finds struct veth_priv in the veth module's BTF and relocates against it", function()
    local t = assert(ox.core.kernel_type("struct veth_priv"))
    assert.equal("veth", t.module)
    assert.truthy(t.id > ox.core.btf(h.read("/sys/kernel/btf/vmlinux")).types, t.id)
    local headroom
    for _, m in ipairs(t.members) do
      if m.name == "requested_headroom" then headroom = m.bit_offset // 8 end
    end
    assert.truthy(headroom)
    local bp = ox.blueprint(h.obj("core"))
    local inst, err = bp.object:load { programs = { "core_kmodule" } }
    assert(inst, err)
    finally(function() inst:close() end)
    assert.equal(0, inst:program("core_kmodule"):test_run { data = PKT }.retval)
    assert.equal(1, inst:global("veth_exists"))
    assert.equal(t.size, inst:global("veth_size"))
    assert.equal(headroom, inst:global("veth_headroom_off"))
    assert.equal(0, inst:global("veth_nope_exists"))
  end)
end)

describe("CO-RE bitfields against a BTF file #root", function()
  local TARGET = h.obj("core_target")
  local VALUES = { a = 5, b = -13, c = 4000, d = -200, e = 0x9876543210, plain = -123456, small = 0x12345 }

  -- The "kernel's" struct ox_bits, packed from the target BTF's layout.
  local function packed()
    local t = assert(ox.core.kernel_type("struct ox_bits", { btf = TARGET }))
    local bytes = {}
    for i = 1, 32 do bytes[i] = 0 end
    for _, m in ipairs(t.members) do
      local v = VALUES[m.name]
      local size = m.bitfield_size > 0 and m.bitfield_size or 32
      for bit = 0, v and size - 1 or -1 do
        if (v >> bit) & 1 == 1 then
          local pos = m.bit_offset + bit
          bytes[pos // 8 + 1] = bytes[pos // 8 + 1] | (1 << (pos % 8))
        end
      end
    end
    return string.char(table.unpack(bytes))
  end

  -- A group reading the bitfields when a process calls getppid(); returns
  -- the group and a function that runs the process.
  local function bits_group(group_btf, version_btf)
    local pid, run = h.spawn("getppid", 1)
    local g = ox.group { blueprint = h.obj("core_bits"), btf = group_btf, versions = { ox.version {
      programs = { ox.program("read_bits", { TP }) }, btf = version_btf,
      globals = { buf = packed(), target_pid = pid } } } }
    return g, run
  end

  local function check(g)
    local gl = g.globals
    assert.same({ VALUES.a, VALUES.b, VALUES.c, VALUES.d, VALUES.e, VALUES.plain },
      { gl.out_a, gl.out_b, gl.out_c, gl.out_d, gl.out_e, gl.out_plain })
    assert.equal(VALUES.b, gl.probed_b)
    assert.equal(VALUES.e, gl.probed_e)
    assert.equal(VALUES.small, gl.out_small) -- a 2-byte load made a 4-byte one
  end

  it("decodes signed and unsigned bitfields at the target's offsets and widths", function()
    local g, run = bits_group(TARGET)
    finally(function() g:close() end)
    local ok, err = g:load()
    run()
    assert(ok, err)
    check(g)
  end)

  it("takes the version's btf over the group's", function()
    local g, run = bits_group("/nonexistent/ox.btf", TARGET)
    finally(function() g:close() end)
    local ok, err = g:load()
    run()
    assert(ok, err)
    check(g)
  end)

  it("accepts raw BTF files", function()
    -- the .BTF section of the target object, as a raw BTF file
    local bytes = h.read(TARGET)
    local _, by = h.sections(bytes)
    local s = by[".BTF"]
    local path = os.tmpname()
    write(path, bytes:sub(s.offset + 1, s.offset + s.size))
    local g, run = bits_group(path)
    finally(function() g:close() end)
    local ok, err = g:load()
    run()
    os.remove(path)
    assert(ok, err)
    check(g)
  end)

  it("names a missing or corrupt BTF file", function()
    local g, run = bits_group("/nonexistent/ox.btf")
    local ok, err = g:load()
    run()
    assert.is_nil(ok)
    assert.matches("/nonexistent/ox.btf: ENOENT", err, 1, true)
    local path = os.tmpname()
    write(path, "not btf")
    local bp = ox.blueprint(h.obj("core_bits"))
    local inst
    inst, err = bp.object:load { programs = { "read_bits" }, btf = path }
    os.remove(path)
    assert.is_nil(inst)
    assert.matches(path .. ": neither an ELF file nor valid raw BTF", err, 1, true)
  end)
end)

describe("invalid CO-RE relocation records", function()
  local bytes, rec

  setup(function()
    bytes = h.read(h.obj("core"))
    rec = records_of(bytes, "xdp")[1]
  end)

  local function load_patched(b)
    local bp = assert(h.parse(b, "patched.o"))
    return bp.object:load { programs = { "core_module" } }
  end

  it("rejects an unknown relocation kind", function()
    local inst, err = load_patched(h.patch(bytes, rec.at + 12, "<I4", 99))
    assert.is_nil(inst)
    assert.matches("program 'core_module': function 'core_module': CO-RE relocation #0 (unknown of ox_mod_only): "
      .. "unknown relocation kind 99", err, 1, true)
  end)

  it("rejects an instruction offset in no function, or not on an instruction", function()
    local inst, err = load_patched(h.patch(bytes, rec.at, "<I4", 0x7ffffff8))
    assert.is_nil(inst)
    assert.matches("CO-RE relocation #0 of section xdp: instruction 268435455 is in no function", err, 1, true)
    inst, err = load_patched(h.patch(bytes, rec.at, "<I4", rec.insn_off + 4))
    assert.is_nil(inst)
    assert.matches("instruction offset " .. rec.insn_off + 4 .. " is not a multiple of 8", err, 1, true)
  end)

  it("rejects an instruction that cannot carry a relocation", function()
    local _, by = h.sections(bytes)
    local last = by.xdp.size - 8 -- the program's exit
    local inst, err = load_patched(h.patch(bytes, rec.at, "<I4", last))
    assert.is_nil(inst)
    assert.matches("instruction " .. last // 8 .. " (code 0x95) cannot carry a CO-RE relocation", err, 1, true)
  end)

  it("rejects a bad access string", function()
    -- point the record's access string at a type name of the object's BTF
    local _, by = h.sections(bytes)
    local btf = by[".BTF"]
    local bhdr = string.unpack("<I4", bytes, btf.offset + 4 + 1)
    local str_off, str_len = string.unpack("<I4I4", bytes, btf.offset + 16 + 1)
    local strs = bytes:sub(btf.offset + bhdr + str_off + 1, btf.offset + bhdr + str_off + str_len)
    local at = assert(strs:find("\0ox_mod_only\0", 1, true))
    local inst, err = load_patched(h.patch(bytes, rec.at + 8, "<I4", at))
    assert.is_nil(inst)
    assert.matches("access string 'ox_mod_only' is invalid", err, 1, true)
  end)

  it("rejects a type id out of range when the object is parsed", function()
    local _, err = h.parse(h.patch(bytes, rec.at + 4, "<I4", 0x7fffff))
    assert.matches("core_relo for section xdp record 0 references type 8388607 out of range", err, 1, true)
  end)
end)
