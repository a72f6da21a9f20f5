import Logging

/// Loggers for the commands: standard error, at a level given by flag or environment.
enum LoggerFactory {
    static func make(label: String, level: String?) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level.flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        return logger
    }
}
