// steadystream/graphql-ws: the graphql-transport-ws protocol.
export {
  graphqlWsProtocol,
  graphqlWsCloseKind,
  tokenConnectionParams,
  GRAPHQL_TRANSPORT_WS,
  GRAPHQL_WS_ACK_TIMEOUT_MS,
} from '../protocol/graphql-ws.js';
export type { GraphqlWsProtocolOptions, GraphqlOperation } from '../protocol/graphql-ws.js';
