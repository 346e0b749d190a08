// Naming and scheduling of the server's own threads.
#pragma once

#include <string>

namespace hops::thread {

// Names the calling thread (shown by top -H, ps -L and perf; at most 15 bytes).
void Name(const std::string& name);

// Asks the scheduler for short time slices (EEVDF, Linux 6.12 and later):
// the thread is scheduled soon after it becomes runnable and runs in short
// turns, so threads that serve requests, and work that competes with them
// for a CPU, interleave finely instead of making each other wait a whole
// default slice (milliseconds). Kernels before 6.12 ignore the slice. The
// thread keeps its nice value; threads not at SCHED_OTHER are left alone.
void PreferShortSlices();

}  // namespace hops::thread
