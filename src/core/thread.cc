#include "core/thread.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace hops::thread {

void Name(const std::string& name) { pthread_setname_np(pthread_self(), name.substr(0, 15).c_str()); }

void PreferShortSlices() {
  // Only for normal threads, and keeping the thread's nice value.
  if (sched_getscheduler(0) != SCHED_OTHER) return;
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  if (errno != 0) return;
  struct {  // struct sched_attr (glibc has no wrapper for sched_setattr)
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
  } attr{};
  attr.size = sizeof attr;
  attr.sched_policy = SCHED_OTHER;
  attr.sched_nice = nice;
  attr.sched_runtime = 100 * 1000;  // ns: the shortest slice the kernel grants
  (void)syscall(SYS_sched_setattr, 0, &attr, 0);
}

}  // namespace hops::thread
