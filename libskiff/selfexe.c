/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CVE-2019-5736: a process in the container must never be able to open the host's skiff binary
 * for writing.  The container init (until it execs the user process) and an `exec` child (until
 * its execve) are clones of skiff that live inside the container's pid namespace; a container
 * process holding CAP_SYS_PTRACE can open their /proc/<pid>/exe even though they are not
 * dumpable, keep the fd, and reopen it for writing through /proc/self/fd once skiff is no longer
 * running.
 *
 * So the commands that create such processes first re-execute skiff from a sealed memfd copy:
 * then /proc/<pid>/exe is that copy, whose seals refuse every write, and the host binary is not
 * referenced by any process the container can see.  The copy costs one in-kernel file copy and
 * one execve (well under a millisecond for skiff's size); it happens before anything else, so
 * nothing but argv and the environment crosses the exec. */
#include "config.h"
#include "selfexe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "utils.h"

#define MEMFD_NAME "skiff-sealed"

extern char **environ;

bool sk_selfexe_is_sealed(void)
{
  char buf[64];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  return strncmp(buf, "/memfd:" MEMFD_NAME, strlen("/memfd:" MEMFD_NAME)) == 0;
}

/* How much of the binary execve needs: the ELF and program headers and every segment's file
 * extent.  What follows (symbols, debug info: often half the file) is never read by the kernel or
 * by the running program, so the sealed copy leaves it out.  Anything unexpected: the whole file.
 */
static off_t exec_extent(int fd, off_t size)
{
  ElfW(Ehdr) eh;
  if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
      eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
      eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 || eh.e_phnum > 64)
    return size;
  ElfW(Phdr) ph[64];
  size_t phlen = (size_t)eh.e_phnum * sizeof ph[0];
  if (pread(fd, ph, phlen, (off_t)eh.e_phoff) != (ssize_t)phlen)
    return size;
  uint64_t end = eh.e_phoff + phlen;
  for (size_t i = 0; i < eh.e_phnum; i++)
    if (ph[i].p_offset + ph[i].p_filesz > end)
      end = ph[i].p_offset + ph[i].p_filesz;
  return end < (uint64_t)size ? (off_t)end : size;
}

int sk_selfexe_reexec_sealed(char **argv, sk_err_t *err)
{
  if (sk_selfexe_is_sealed())
    return 0;
  _cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return sk_failno(err, "open /proc/self/exe");
  struct stat st;
  if (fstat(exe, &st) < 0)
    return sk_failno(err, "stat /proc/self/exe");
  _cleanup_close_ int mfd = memfd_create(MEMFD_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return sk_failno(err, "memfd_create");
  off_t left = exec_extent(exe, st.st_size);
  while (left > 0) {
    ssize_t n = sendfile(mfd, exe, NULL, (size_t)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return sk_failno(err, "copy the skiff binary into a memfd");
    left -= n;
  }
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
    return sk_failno(err, "seal the skiff memfd");
  syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
  return sk_failno(err, "re-execute skiff from its sealed copy");
}
