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
#include <unistd.h>

#define MPOL_BIND 2

static int usage(void)
{
	fprintf(stderr, "usage: kmemtool failnth N FILE VALUE | write FILE STRING | pin NODE MIB | runas UID CMD...\n");
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
	return usage();
}
