// The enums of the public API, with pulsar-client's names and members.
#include "common.hpp"
#include "register.hpp"

namespace fastpulsar {

void register_enums(py::module_& m) {
    py::enum_<pulsar::CompressionType>(m, "CompressionType")
        .value("NONE", pulsar::CompressionNone)
        .value("LZ4", pulsar::CompressionLZ4)
        .value("ZLib", pulsar::CompressionZLib)
        .value("ZSTD", pulsar::CompressionZSTD)
        .value("SNAPPY", pulsar::CompressionSNAPPY);

    py::enum_<pulsar::ProducerConfiguration::PartitionsRoutingMode>(m, "PartitionsRoutingMode")
        .value("UseSinglePartition", pulsar::ProducerConfiguration::UseSinglePartition)
        .value("RoundRobinDistribution", pulsar::ProducerConfiguration::RoundRobinDistribution)
        .value("CustomPartition", pulsar::ProducerConfiguration::CustomPartition);

    py::enum_<pulsar::ProducerConfiguration::BatchingType>(m, "BatchingType")
        .value("Default", pulsar::ProducerConfiguration::DefaultBatching)
        .value("KeyBased", pulsar::ProducerConfiguration::KeyBasedBatching);

    py::enum_<pulsar::ProducerConfiguration::ProducerAccessMode>(m, "ProducerAccessMode")
        .value("Shared", pulsar::ProducerConfiguration::Shared)
        .value("Exclusive", pulsar::ProducerConfiguration::Exclusive)
        .value("WaitForExclusive", pulsar::ProducerConfiguration::WaitForExclusive)
        .value("ExclusiveWithFencing", pulsar::ProducerConfiguration::ExclusiveWithFencing);

    py::enum_<pulsar::ConsumerType>(m, "ConsumerType")
        .value("Exclusive", pulsar::ConsumerExclusive)
        .value("Shared", pulsar::ConsumerShared)
        .value("Failover", pulsar::ConsumerFailover)
        .value("KeyShared", pulsar::ConsumerKeyShared);

    py::enum_<pulsar::InitialPosition>(m, "InitialPosition")
        .value("Latest", pulsar::InitialPositionLatest)
        .value("Earliest", pulsar::InitialPositionEarliest);

    py::enum_<pulsar::RegexSubscriptionMode>(m, "RegexSubscriptionMode")
        .value("PersistentOnly", pulsar::PersistentOnly)
        .value("NonPersistentOnly", pulsar::NonPersistentOnly)
        .value("AllTopics", pulsar::AllTopics);

    py::enum_<pulsar::ConsumerCryptoFailureAction>(m, "ConsumerCryptoFailureAction")
        .value("FAIL", pulsar::ConsumerCryptoFailureAction::FAIL)
        .value("DISCARD", pulsar::ConsumerCryptoFailureAction::DISCARD)
        .value("CONSUME", pulsar::ConsumerCryptoFailureAction::CONSUME);

    py::enum_<pulsar::Logger::Level>(m, "LoggerLevel")
        .value("Debug", pulsar::Logger::LEVEL_DEBUG)
        .value("Info", pulsar::Logger::LEVEL_INFO)
        .value("Warn", pulsar::Logger::LEVEL_WARN)
        .value("Error", pulsar::Logger::LEVEL_ERROR);

    py::enum_<pulsar::SchemaType>(m, "SchemaType")
        .value("NONE", pulsar::NONE)
        .value("STRING", pulsar::STRING)
        .value("INT8", pulsar::INT8)
        .value("INT16", pulsar::INT16)
        .value("INT32", pulsar::INT32)
        .value("INT64", pulsar::INT64)
        .value("FLOAT", pulsar::FLOAT)
        .value("DOUBLE", pulsar::DOUBLE)
        .value("BYTES", pulsar::BYTES)
        .value("JSON", pulsar::JSON)
        .value("PROTOBUF", pulsar::PROTOBUF)
        .value("AVRO", pulsar::AVRO)
        .value("AUTO_CONSUME", pulsar::AUTO_CONSUME)
        .value("AUTO_PUBLISH", pulsar::AUTO_PUBLISH)
        .value("KEY_VALUE", pulsar::KEY_VALUE)
        .value("PROTOBUF_NATIVE", pulsar::PROTOBUF_NATIVE);
}

}  // namespace fastpulsar
