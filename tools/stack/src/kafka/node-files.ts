import fs from 'node:fs';
import { type BrokerSettings, log4j2Xml, serverProperties } from './broker-config';
import { type ClusterLayout, type NodeLayout } from './layout';

/** Writes a node's folders and configuration files (before formatting and before every start). */
export function writeNodeConfig(layout: ClusterLayout, node: NodeLayout, settings: BrokerSettings): void {
  fs.mkdirSync(node.dataDir, { recursive: true });
  fs.mkdirSync(node.logsDir, { recursive: true });
  fs.writeFileSync(node.configFile, serverProperties(layout, node, settings));
  fs.writeFileSync(node.log4jFile, log4j2Xml());
}
