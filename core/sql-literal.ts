/** A SQL string literal (single quotes doubled), for paths and values spliced into DuckDB SQL. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
