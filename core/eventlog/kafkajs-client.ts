/**
 * A kafkajs client with its log lines routed into pino. kafkajs serves the admin side (topic
 * creation and metadata), where its pure-JS simplicity matters more than throughput.
 */
import { Kafka, logLevel, type logCreator } from "kafkajs";
import type { Logger } from "../logger.ts";

/** kafkajs's log lines as pino lines at the same level. */
function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...rest } = log;
      const line = { kafkajs: true, ...rest };
      if (level === logLevel.ERROR) logger.error(line, message);
      else if (level === logLevel.WARN) logger.warn(line, message);
      else if (level === logLevel.INFO) logger.info(line, message);
      else logger.debug(line, message);
    };
}

/**
 * `oneShot`: for commands that report what they see rather than wait (`lakehouse status`): two
 * quick retries, a short request timeout, and no log lines of kafkajs's own.
 */
export function kafkaClient(brokers: string[], clientId: string, logger: Logger, oneShot = false): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: oneShot ? logLevel.NOTHING : logLevel.WARN,
    logCreator: pinoLogCreator(logger),
    connectionTimeout: 3000,
    requestTimeout: oneShot ? 5000 : 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: oneShot ? 2 : 10 },
  });
}
