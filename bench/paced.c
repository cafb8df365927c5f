/* paced.c - the load of the latency benchmark.
 *   paced N RATE GO FLUSH
 * Prints its pid, waits until the FIFO GO has been opened and closed (the
 * consumer has loaded its program, filtering on that pid), then calls
 * getpgid(0) N times: RATE calls per second, each at its own absolute time
 * on CLOCK_MONOTONIC (so a late call does not delay the rest), or as fast as
 * it can when RATE is 0. Then it waits the same way on FLUSH and calls
 * getpgid(0) once on every online CPU: the kernel reports a perf ring's
 * losses only with its next write, so these records make every loss visible. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
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
	double rate;
	cpu_set_t all;
	struct timespec t0;
	if (argc != 5) {
		fprintf(stderr, "usage: paced N RATE GO_FIFO FLUSH_FIFO\n");
		return 2;
	}
	n = atol(argv[1]);
	rate = atof(argv[2]);
	printf("%ld\n", (long)getpid());
	fflush(stdout);
	if (wait_fifo(argv[3]) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		if (rate > 0) {
			long long ns = (long long)t0.tv_nsec + (long long)((double)i * 1e9 / rate);
			struct timespec at = { t0.tv_sec + (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL))
				;
		}
		sink += syscall(SYS_getpgid, 0);
	}
	if (wait_fifo(argv[4]) < 0)
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
			sink += syscall(SYS_getpgid, 0);
	}
	printf("flushed %d\n", CPU_COUNT(&all));
	return 0;
}
