-- extract.lua - copy the BPF objects embedded in a program out of it.
--
--   lua5.4 scripts/compat/extract.lua BINARY OUTDIR
--
-- A libbpf skeleton keeps its BPF object as a byte array in the program's
-- .rodata. This scans BINARY for ELF headers that describe a 64-bit
-- little-endian relocatable object for EM_BPF, works out each object's size
-- from its own headers, checks that the headers hold together, and writes
-- each object as OUTDIR/TOOL.bpf.o (TOOL is BINARY's file name); a second
-- object in the same binary becomes TOOL.2.bpf.o, a third TOOL.3.bpf.o and
-- so on. Each file is written under a temporary name and renamed when
-- complete. Prints the number of objects written on standard output.
local binary, outdir = arg[1], arg[2]
if not (binary and outdir) then
  io.stderr:write("usage: extract.lua BINARY OUTDIR\n")
  os.exit(2)
end

local f = assert(io.open(binary, "rb"))
local data = f:read("a")
f:close()

local EM_BPF, ET_REL = 247, 1
local SHT_NULL, SHT_STRTAB, SHT_NOBITS = 0, 3, 8
local EHDR_SIZE, SHDR_SIZE = 64, 64
-- Section numbers from SHN_LORESERVE up are reserved; an object with that
-- many sections would use extended numbering, which clang does not emit for
-- BPF objects, so such a header is taken as not an object.
local SHN_LORESERVE = 0xff00

-- The object whose ELF header starts at byte pos (1-based) of data, as its
-- size in bytes. Otherwise nil, and a reason when the header claims to be a
-- 64-bit little-endian BPF object but does not hold together (the program's
-- own x86-64 header and stray "\x7fELF" strings give no reason).
local function object_at(pos)
  local avail = #data - pos + 1
  if avail < EHDR_SIZE then return nil end
  local class, endian, version = data:byte(pos + 4, pos + 6)
  if class ~= 2 or endian ~= 1 or version ~= 1 then return nil end
  local e_type, e_machine, e_version, _, e_phoff, e_shoff, _, e_ehsize,
        _, e_phnum, e_shentsize, e_shnum, e_shstrndx =
    string.unpack("<I2I2I4I8I8I8I4I2I2I2I2I2I2", data, pos + 16)
  if e_machine ~= EM_BPF then return nil end
  if e_type ~= ET_REL then return nil, "not ET_REL" end
  if e_version ~= 1 then return nil, "bad e_version" end
  if e_ehsize ~= EHDR_SIZE then return nil, "bad e_ehsize" end
  if e_phoff ~= 0 or e_phnum ~= 0 then return nil, "has program headers" end
  if e_shentsize ~= SHDR_SIZE then return nil, "bad e_shentsize" end
  if e_shnum < 2 or e_shnum >= SHN_LORESERVE then return nil, "bad e_shnum" end
  if e_shstrndx == 0 or e_shstrndx >= e_shnum then return nil, "bad e_shstrndx" end
  if e_shoff < EHDR_SIZE or e_shoff > avail or
     e_shnum * SHDR_SIZE > avail - e_shoff then
    return nil, "section headers out of range"
  end

  local size = e_shoff + e_shnum * SHDR_SIZE
  for i = 0, e_shnum - 1 do
    local sh = pos + e_shoff + i * SHDR_SIZE
    local _, sh_type, _, _, sh_offset, sh_size = string.unpack("<I4I4I8I8I8I8", data, sh)
    if i == 0 then
      -- Section 0 is the null section, all zeros in an object that does
      -- not use extended numbering.
      if data:sub(sh, sh + SHDR_SIZE - 1) ~= string.rep("\0", SHDR_SIZE) then
        return nil, "section 0 is not null"
      end
    else
      if sh_type == SHT_NULL then return nil, "null section " .. i end
      if sh_type ~= SHT_NOBITS then
        -- string.unpack reads 64-bit fields as signed: a negative one is
        -- past 2^63 and out of range as well.
        if sh_offset < 0 or sh_size < 0 or sh_offset > avail or sh_size > avail - sh_offset then
          return nil, "section " .. i .. " out of range"
        end
        if sh_offset + sh_size > size then size = sh_offset + sh_size end
      end
      if i == e_shstrndx and sh_type ~= SHT_STRTAB then
        return nil, "section name table is not a string table"
      end
    end
  end

  -- Every section name must lie inside the section name table.
  local _, _, _, _, str_off, str_size =
    string.unpack("<I4I4I8I8I8I8", data, pos + e_shoff + e_shstrndx * SHDR_SIZE)
  for i = 1, e_shnum - 1 do
    local sh_name = string.unpack("<I4", data, pos + e_shoff + i * SHDR_SIZE)
    if sh_name >= str_size then return nil, "section " .. i .. " name out of range" end
  end
  if str_size == 0 or data:byte(pos + str_off) ~= 0 then
    return nil, "section name table does not start with an empty name"
  end
  return size
end

local tool = binary:match("([^/]+)$")
local count, pos = 0, 1
while true do
  local at = data:find("\127ELF", pos, true)
  if not at then break end
  local size, why = object_at(at)
  if size then
    count = count + 1
    local name = count == 1 and tool or (tool .. "." .. count)
    local path = outdir .. "/" .. name .. ".bpf.o"
    local out = assert(io.open(path .. ".tmp", "wb"))
    assert(out:write(data:sub(at, at + size - 1)))
    assert(out:close())
    assert(os.rename(path .. ".tmp", path))
    pos = at + size
  else
    if why then
      io.stderr:write(("extract.lua: %s: offset %d: not a sane BPF object: %s\n")
        :format(binary, at - 1, why))
    end
    pos = at + 1
  end
end
print(count)
