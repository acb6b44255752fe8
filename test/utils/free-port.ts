// For children that need a fixed PORT, such as a cluster. The sample's helper: one implementation.
export { freePort } from '../../sample/database/free-port';
