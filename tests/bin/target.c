/* target.c - a process for the attach tests to watch.
 *   target getppid N [FIFO]  call getppid() N times (tracepoint and raw_tp events)
 *   target call N [FIFO]     call oxlua_target_fn N times (uprobes), and the
 *                            library's oxlua_lib_fn N times
 * With FIFO: print the pid first, then wait until the FIFO is opened and
 * closed by the test, so the test can filter on the pid before work starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <fcntl.h>

int oxlua_lib_fn(int x);

__attribute__((noinline)) int oxlua_target_fn(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 1;
	volatile long sink = 0;
	if (argc < 2)
		return 2;
	if (argc > 3) {
		char buf[16];
		int fd;
		printf("%ld\n", (long)getpid());
		fflush(stdout);
		if ((fd = open(argv[3], O_RDONLY)) < 0)
			return 1;
		while (read(fd, buf, sizeof buf) > 0)
			;
		close(fd);
	}
	if (!strcmp(argv[1], "getppid")) {
		for (long i = 0; i < n; i++)
			sink += syscall(SYS_getppid);
	} else {
		for (long i = 0; i < n; i++)
			sink += oxlua_target_fn((int)i) + oxlua_lib_fn((int)i);
	}
	printf("done %ld\n", (long)sink);
	return 0;
}
