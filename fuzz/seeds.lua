-- seeds.lua - seed corpora for the fuzz targets from compiled BPF objects.
--
--   lua5.4 fuzz/seeds.lua OUTDIR obj.bpf.o...
--
-- OUTDIR/fuzz_object/<name>: the object itself.
-- OUTDIR/fuzz_btf/<name>: its .BTF and .BTF.ext in fuzz_btf's layout
-- (u32 length of .BTF, .BTF, .BTF.ext).
-- OUTDIR/fuzz_decode/<name>.<id>: its BTF, the id of one of its structs or
-- unions and 256 bytes of data (fuzz_decode's layout).
-- OUTDIR/fuzz_core/<name>: for objects with CO-RE relocations, fuzz_core's
-- layout (u32 length, .BTF, u32 length, .BTF.ext, code of the first section
-- with CO-RE relocations).
local out = assert(arg[1], "usage: seeds.lua OUTDIR obj...")

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- Sections of a 64-bit little-endian ELF file by name.
local function sections(img)
  local shoff = string.unpack("<I8", img, 0x28 + 1)
  local shentsize, shnum, shstrndx = string.unpack("<I2I2I2", img, 0x3a + 1)
  local function hdr(i)
    local name, _, _, _, off, size = string.unpack("<I4I4I8I8I8I8", img, shoff + i * shentsize + 1)
    return name, off, size
  end
  local _, stroff = hdr(shstrndx)
  local secs = {}
  for i = 1, shnum - 1 do
    local name, off, size = hdr(i)
    local n = img:match("^[^%z]*", stroff + name + 1)
    secs[n] = img:sub(off + 1, off + size)
  end
  return secs
end

-- Ids of the first STRUCT/UNION types of a BTF blob (at most max).
local function record_ids(btf, max)
  local hdr_len, type_off, type_len = string.unpack("<I4I4I4", btf, 4 + 1)
  local extra = { [1] = 4, [3] = 12, [4] = "12v", [5] = "12v", [6] = "8v", [13] = "8v",
    [14] = 4, [15] = "12v", [17] = 4, [19] = "12v" }
  local ids, off, id = {}, hdr_len + type_off, 1
  while off < hdr_len + type_off + type_len and #ids < max do
    local info = string.unpack("<I4", btf, off + 4 + 1)
    local kind, vlen = (info >> 24) & 0x1f, info & 0xffff
    if (kind == 4 or kind == 5) and vlen > 0 then ids[#ids + 1] = id end
    local e = extra[kind] or 0
    if type(e) == "string" then e = tonumber(e:sub(1, -2)) * vlen end
    off, id = off + 12 + e, id + 1
  end
  return ids
end

-- The name of the first section of .BTF.ext's core_relo info, nil if none.
local function first_core_section(btf, ext)
  local hdr_len = string.unpack("<I4", ext, 5)
  if hdr_len < 32 then return nil end
  local off, len = string.unpack("<I4I4", ext, 24 + 1)
  if len < 12 then return nil end
  local name_off = string.unpack("<I4", ext, hdr_len + off + 4 + 1)
  local bhdr, _, _, str_off = string.unpack("<I4I4I4I4", btf, 4 + 1)
  return btf:match("^[^%z]*", bhdr + str_off + name_off + 1)
end

for i = 2, #arg do
  local img = read(arg[i])
  local base = arg[i]:match("([^/]+)$")
  write(out .. "/fuzz_object/" .. base, img)
  local secs = sections(img)
  if secs[".BTF"] then
    local btf, ext = secs[".BTF"], secs[".BTF.ext"] or ""
    write(out .. "/fuzz_btf/" .. base, string.pack("<I4", #btf) .. btf .. ext)
    local bytes = {}
    for b = 0, 255 do bytes[#bytes + 1] = string.char((b * 37 + 11) % 256) end
    for _, id in ipairs(record_ids(btf, 4)) do
      write(("%s/fuzz_decode/%s.%d"):format(out, base, id),
        string.pack("<I4", #btf) .. btf .. string.pack("<I4", id) .. table.concat(bytes))
    end
    local sec = #ext >= 32 and first_core_section(btf, ext)
    if sec and secs[sec] then
      write(out .. "/fuzz_core/" .. base,
        string.pack("<I4", #btf) .. btf .. string.pack("<I4", #ext) .. ext .. secs[sec])
    end
  end
end
