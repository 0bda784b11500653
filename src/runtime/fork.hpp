// Fork safety: a process forked from one that used pulsar has none of libpulsar's threads,
// nor the dispatcher or submitter threads. Objects inherited from the parent are marked by
// their fork generation: they refuse to work (with a clear error) and leak their libpulsar
// handles instead of destroying them, since that would wait for threads that do not exist.
#pragma once

#include <cstdint>

namespace fastpulsar {

// The number of os.fork() calls this process descends from. Any thread, GIL or not;
// never throws.
uint64_t fork_generation();

// Whether an object made in generation `generation` was inherited through a fork. Any
// thread, GIL or not; never throws.
inline bool inherited_from_parent(uint64_t generation) { return generation != fork_generation(); }

// The message of the error raised by an inherited object.
extern const char* const kInheritedFromParent;

// Called in the child right after os.fork() (pulsar._dispatch registers it with
// os.register_at_fork), GIL held: starts a new generation and gives the child a fresh
// dispatcher (the parent's may be locked by a thread that the child does not have).
// Never throws (but std::bad_alloc).
void after_fork_in_child();

}  // namespace fastpulsar
