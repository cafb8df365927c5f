/* target.c - a process for the attach tests to watch.
 *   target getppid N        call getppid() N times (tracepoint and raw_tp events)
 *   target call N           call oxlua_target_fn N times (uprobes), and the
 *                           library's oxlua_lib_fn N times
 *   target wait-call N      wait for a line on stdin, then as "call" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	if (!strcmp(argv[1], "wait-call")) {
		char line[16];
		if (!fgets(line, sizeof line, stdin))
			return 1;
	}
	if (!strcmp(argv[1], "getppid")) {
		for (long i = 0; i < n; i++)
			sink += syscall(SYS_getppid);
	} else {
		for (long i = 0; i < n; i++)
			sink += oxlua_target_fn((int)i) + oxlua_lib_fn((int)i);
	}
	printf("%ld\n", (long)getpid());
	return 0;
}
