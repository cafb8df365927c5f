/* producer.c - the load of the throughput benchmarks.
 *   producer N GO FLUSH
 * Prints its pid, waits until the FIFO GO has been opened and closed (the
 * consumer has loaded its program, filtering on that pid), calls getppid()
 * N times, then waits the same way on FLUSH and calls getppid() once on
 * every online CPU: the kernel reports a perf ring's losses only with its
 * next successful write, so these records make every loss visible. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int wait_fifo(const char *path)
{
	char buf[16];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	while (read(fd, buf, sizeof buf) > 0)
		;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	volatile long sink = 0;
	long n;
	cpu_set_t all;
	if (argc != 4) {
		fprintf(stderr, "usage: producer N GO_FIFO FLUSH_FIFO\n");
		return 2;
	}
	n = atol(argv[1]);
	printf("%ld\n", (long)getpid());
	fflush(stdout);
	if (wait_fifo(argv[2]) < 0)
		return 1;
	for (long i = 0; i < n; i++)
		sink += syscall(SYS_getppid);
	if (wait_fifo(argv[3]) < 0)
		return 1;
	if (sched_getaffinity(0, sizeof all, &all) < 0)
		return 1;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		cpu_set_t one;
		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof one, &one) == 0)
			sink += syscall(SYS_getppid);
	}
	printf("flushed %d\n", CPU_COUNT(&all));
	return 0;
}
