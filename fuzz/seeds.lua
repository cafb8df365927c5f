-- seeds.lua - seed corpora for the fuzz targets from compiled BPF objects.
--
--   lua5.4 fuzz/seeds.lua OUTDIR obj.bpf.o...
--
-- OUTDIR/fuzz_object/<name>: the object itself.
-- OUTDIR/fuzz_btf/<name>: its .BTF and .BTF.ext in fuzz_btf's layout
-- (u32 length of .BTF, .BTF, .BTF.ext).
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

for i = 2, #arg do
  local img = read(arg[i])
  local base = arg[i]:match("([^/]+)$")
  write(out .. "/fuzz_object/" .. base, img)
  local secs = sections(img)
  if secs[".BTF"] then
    local btf, ext = secs[".BTF"], secs[".BTF.ext"] or ""
    write(out .. "/fuzz_btf/" .. base, string.pack("<I4", #btf) .. btf .. ext)
  end
end
