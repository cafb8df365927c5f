-- seeds.lua - seed corpora for the fuzz targets from compiled BPF objects.
--
--   lua5.4 fuzz/seeds.lua OUTDIR obj.bpf.o...
--
-- OUTDIR/fuzz_object/<name>: the object itself.
-- OUTDIR/fuzz_btf/<name>: its .BTF and .BTF.ext in fuzz_btf's layout
-- (u32 length of .BTF, .BTF, .BTF.ext).
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
    local sec = #ext >= 32 and first_core_section(btf, ext)
    if sec and secs[sec] then
      write(out .. "/fuzz_core/" .. base,
        string.pack("<I4", #btf) .. btf .. string.pack("<I4", #ext) .. ext .. secs[sec])
    end
  end
end
