// SPDX-License-Identifier: GPL-2.0
/*
 * kmemfail.so: LD_PRELOAD into a tool (daxctl) to fail the n-th
 * fault-injection point of the kernel work it asks for through sysfs.
 *
 * With KMEM_FAIL_NTH=N in the environment, the tool's first write(2) to a
 * file under /sys/ arms /proc/thread-self/fail-nth with N; the count then
 * runs over every system call the tool makes from there on.  At exit,
 * "hit" (the fault was injected) or "miss" (fewer than N points were
 * passed) is written to the file named by KMEM_FAIL_OUT.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fnth = -1;
static const char *nth;
static int armed;

__attribute__((constructor)) static void kmemfail_init(void)
{
	nth = getenv("KMEM_FAIL_NTH");
	if (nth)
		fnth = open("/proc/thread-self/fail-nth", O_RDWR);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	if (fnth >= 0 && !armed) {
		char link[64], path[256];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, path, sizeof(path) - 1);
		if (n > 0) {
			path[n] = 0;
			if (!strncmp(path, "/sys/", 5)) {
				syscall(SYS_write, fnth, nth, strlen(nth));
				armed = 1;
			}
		}
	}
	return syscall(SYS_write, fd, buf, count);
}

__attribute__((destructor)) static void kmemfail_exit(void)
{
	const char *out = getenv("KMEM_FAIL_OUT");
	char buf[32] = "";
	int left, fd;

	if (fnth < 0 || !out)
		return;
	if (pread(fnth, buf, sizeof(buf) - 1, 0) < 0)
		return;
	left = atoi(buf);
	if (left)
		syscall(SYS_write, fnth, "0", 1);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	syscall(SYS_write, fd, armed ? (left ? "miss\n" : "hit\n") : "unarmed\n",
		armed ? (left ? 5 : 4) : 8);
	close(fd);
}
