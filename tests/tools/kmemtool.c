// SPDX-License-Identifier: GPL-2.0
/*
 * kmemtool: the guest-side helpers of the reliability suites that a shell
 * cannot do.  Built static on the host by scripts/initramfs.sh.
 *
 *   kmemtool failnth N FILE VALUE
 *	Open FILE, make the N-th fault-injection point of this task fail
 *	(/proc/thread-self/fail-nth, Documentation/fault-injection/
 *	fault-injection.rst), write VALUE to FILE.  Prints "ok" or the
 *	error text of the write, then "hit" if the fault was injected or
 *	"miss" if the write passed fewer than N points.
 *   kmemtool write FILE STRING
 *	Write STRING, with the escapes \n \r \t \\ \0 and \xHH decoded, to FILE
 *	in one write(2); print "ok" or the error text of the open or write.
 *   kmemtool pin NODE MIB
 *	Bind this task's memory to NODE, fault in and mlock MIB of
 *	anonymous memory, and touch a sparse area so that page tables
 *	(unmovable kernel memory) land on NODE too; print "pinned" and
 *	sleep until killed.
 *   kmemtool runas UID CMD [ARG...]
 *	Drop to UID (and GID UID, no supplementary groups) and run CMD.
 *   kmemtool time CMD [ARG...]
 *	Run CMD (output to /tmp/time.out) and print "RC USEC": its exit
 *	status and its wall time in microseconds (CLOCK_MONOTONIC).
 *   kmemtool wtime FILE STRING
 *	Write STRING to FILE in one write(2) and print "ok USEC" or the
 *	error text of the open or write, then USEC.
 *   kmemtool readlat FILE STOPFILE
 *	Read FILE (open, read, close) in a loop until STOPFILE exists and
 *	print "N P50 P99 MAX": the number of reads and their latency
 *	percentiles in microseconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MPOL_BIND 2

static int usage(void)
{
	fprintf(stderr, "usage: kmemtool failnth N FILE VALUE | write FILE STRING | pin NODE MIB | runas UID CMD... | time CMD... | wtime FILE STRING | readlat FILE STOPFILE\n");
	return 2;
}

static int failnth(const char *nth, const char *file, const char *value)
{
	char buf[32] = "";
	int fd, fnth, err = 0;
	ssize_t n;

	fd = open(file, O_WRONLY);
	if (fd < 0) {
		perror(file);
		return 1;
	}
	fnth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fnth < 0) {
		perror("/proc/thread-self/fail-nth");
		return 1;
	}
	/* From here on, the N-th fault-injection point of this task fails. */
	if (write(fnth, nth, strlen(nth)) < 0) {
		perror("fail-nth");
		return 1;
	}
	n = write(fd, value, strlen(value));
	if (n < 0)
		err = errno;
	/* 0: the fault was injected; N > 0: N points were left. */
	if (pread(fnth, buf, sizeof(buf) - 1, 0) < 0) {
		perror("fail-nth");
		return 1;
	}
	int left = atoi(buf);

	if (left && write(fnth, "0", 1) < 0) {
		perror("fail-nth");
		return 1;
	}
	printf("%s %s\n", err ? strerror(err) : "ok", left ? "miss" : "hit");
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int write_escaped(const char *file, const char *s)
{
	size_t len = strlen(s), n = 0;
	char *buf = malloc(len + 1);
	int fd;

	if (!buf)
		return 1;
	while (*s) {
		if (*s != '\\' || !s[1]) {
			buf[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n': buf[n++] = '\n'; s++; break;
		case 't': buf[n++] = '\t'; s++; break;
		case 'r': buf[n++] = '\r'; s++; break;
		case '0': buf[n++] = 0; s++; break;
		case 'x':
			if (hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
				buf[n++] = hexval(s[1]) << 4 | hexval(s[2]);
				s += 3;
				break;
			}
			/* fall through */
		default: buf[n++] = *s++; break;
		}
	}
	fd = open(file, O_WRONLY);
	if (fd < 0 || write(fd, buf, n) < 0) {
		printf("%s\n", strerror(errno));
		return 0;
	}
	printf("ok\n");
	return 0;
}

static int pin(int node, long mib)
{
	unsigned long mask = 1UL << node;
	size_t len = (size_t)mib << 20, sparse = 4UL << 30, i;
	char *p, *q;

	/* Small pages: one page table page per 2 MiB touched, not a THP. */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)) {
		perror("prctl");
		return 1;
	}
	if (syscall(SYS_set_mempolicy, MPOL_BIND, &mask, sizeof(mask) * 8 + 1)) {
		perror("set_mempolicy");
		return 1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q = mmap(NULL, sparse, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED || q == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (mlock(p, len)) {
		perror("mlock");
		return 1;
	}
	for (i = 0; i < len; i += 4096)
		p[i] = 1;
	/* One page table page per 2 MiB touched. */
	for (i = 0; i < sparse; i += 2UL << 20)
		q[i] = 1;
	printf("pinned\n");
	fflush(stdout);
	for (;;)
		pause();
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int time_cmd(char **argv)
{
	long long t0 = now_us();
	int status, fd;
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (!pid) {
		fd = open("/tmp/time.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	printf("%d %lld\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       now_us() - t0);
	return 0;
}

static int wtime(const char *file, const char *value)
{
	long long t0;
	ssize_t n;
	int fd;

	fd = open(file, O_WRONLY);
	if (fd < 0) {
		printf("%s 0\n", strerror(errno));
		return 1;
	}
	t0 = now_us();
	n = write(fd, value, strlen(value));
	t0 = now_us() - t0;
	printf("%s %lld\n", n < 0 ? strerror(errno) : "ok", t0);
	close(fd);
	return n < 0;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int readlat(const char *file, const char *stop)
{
	size_t n = 0, cap = 1 << 16;
	long long *lat = malloc(cap * sizeof(*lat)), t0;
	char buf[256];
	int fd;

	if (!lat)
		return 1;
	while (access(stop, F_OK)) {
		t0 = now_us();
		fd = open(file, O_RDONLY);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) < 0)
				perror("read");
			close(fd);
		}
		if (n == cap) {
			long long *l = realloc(lat, 2 * cap * sizeof(*lat));

			if (!l)
				break;
			lat = l;
			cap *= 2;
		}
		lat[n++] = now_us() - t0;
	}
	if (!n) {
		printf("0 0 0 0\n");
		return 0;
	}
	qsort(lat, n, sizeof(*lat), cmp_ll);
	printf("%zu %lld %lld %lld\n", n, lat[n / 2], lat[n * 99 / 100], lat[n - 1]);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "failnth"))
		return failnth(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "write"))
		return write_escaped(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "pin"))
		return pin(atoi(argv[2]), atol(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "runas")) {
		uid_t uid = atoi(argv[2]);

		if (setgroups(0, NULL) || setgid(uid) || setuid(uid)) {
			perror("runas");
			return 1;
		}
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		return 127;
	}
	if (argc >= 3 && !strcmp(argv[1], "time"))
		return time_cmd(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "wtime"))
		return wtime(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "readlat"))
		return readlat(argv[2], argv[3]);
	return usage();
}
