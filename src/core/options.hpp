// The configurations the Python layer fills in before creating a producer or a
// consumer, with what the binding itself needs to know of them.
#pragma once

#include "abi/configuration.hpp"

namespace fastpulsar {

struct ProducerOptions {
    pulsar::ProducerConfiguration conf;
    // What ProducerCore reads, with libpulsar's defaults (pulsar.Client always sets both;
    // a _pulsar.ProducerConfiguration keeps libpulsar's, as pulsar-client 3.13's does).
    bool batching = true;
    int max_pending = 1000;
};

struct ConsumerOptions {
    pulsar::ConsumerConfiguration conf;
};

}  // namespace fastpulsar
