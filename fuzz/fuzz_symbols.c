/* fuzz_symbols.c - libFuzzer target: the files a user names by path. The
 * input is written to a memfd, looked up by symbol name, versioned name and
 * address as an attach point `uprobe:PATH:SYM` would (symbols.c reads any
 * executable or library), and read as a user-given BTF file (raw BTF or an
 * ELF file with .BTF, btf_target.c). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "btf/btf_target.h"
#include "attach/symbols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"main", "oxlua_target_fn", "oxlua_lib_fn", "malloc", "malloc@GLIBC_2.2.5", "malloc@@GLIBC_2.2.5",
		"f@V1", "_start", "x@",
	};
	char path[64];
	struct ox_err err;
	uint64_t off;
	size_t done = 0;
	int fd = memfd_create("fuzz_symbols", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		(void)ox_sym_file_offset(path, names[i], &off, &err);
	(void)ox_addr_file_offset(path, 0x1040, &off, &err);
	btf_free(ox_btf_read_file(path, &err));
	close(fd);
	return 0;
}
