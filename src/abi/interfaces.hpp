// Interfaces the library calls through their vtables, implemented by us: logging and
// partition routing. Their layouts (virtual functions, in order) are the library's.
#pragma once

#include <cstdint>
#include <string>

#include "abi/message.hpp"

namespace pulsar {

class Logger {
   public:
    enum Level : uint8_t { LEVEL_DEBUG = 0, LEVEL_INFO = 1, LEVEL_WARN = 2, LEVEL_ERROR = 3 };
    virtual ~Logger() {}
    virtual bool isEnabled(Level level) = 0;
    virtual void log(Level level, int line, const std::string& message) = 0;
};

class LoggerFactory {
   public:
    virtual ~LoggerFactory() {}
    // The library owns (and deletes) the returned logger.
    virtual Logger* getLogger(const std::string& fileName) = 0;
};

class TopicMetadata {
   public:
    virtual ~TopicMetadata() {}
    virtual int getNumPartitions() const = 0;
};

class MessageRoutingPolicy {
   public:
    virtual ~MessageRoutingPolicy() {}
    // Deprecated slot, kept for the vtable's layout: the library calls the two-argument
    // form only.
    virtual int getPartition(const Message& msg) = 0;
    virtual int getPartition(const Message& msg, const TopicMetadata& topicMetadata) {
        return getPartition(msg);
    }
};

}  // namespace pulsar
