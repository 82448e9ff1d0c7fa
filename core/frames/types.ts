/** Column types the workbench infers for entity frames (CSV) and uses when staging them in Redshift. */
export type EntityColumnType = 'int64' | 'float64' | 'bool' | 'timestamp' | 'string';

export interface EntityColumn {
  name: string;
  type: EntityColumnType;
  /** For strings: the longest value in UTF-8 bytes, to size VARCHAR from the data. */
  maxByteLength?: number;
}
