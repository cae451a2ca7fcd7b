/** Antom API client (main process only). */
export { createAntomGateway, type AntomGateway, type AntomGatewayOptions, type AntomLog } from './gateway';
export { AntomClientConfig, loadAntomConfigFromEnv, type AntomClientConfigInput, type ConfigError } from './config';
export { validateRefundRequest, AntomRefundRequestSchema } from './validate';
export { pollUntilSettled, type PollOptions } from './poll';
export { classifyRefundResponse, classifyInquiryRefundResponse, outcomeFor, transportOutcome, type TransportFault } from './classify';
export {
  buildContentToSign,
  signContent,
  verifyContent,
  formatSignatureHeader,
  parseSignatureHeader,
  signatureHeaderFor,
  verifySignatureHeader,
  importPrivateKey,
  importPublicKey,
  type KeyImportError,
} from './signing';
export { API_PATHS, type AntomApi } from './wire';
export type { FetchLike } from './transport';
