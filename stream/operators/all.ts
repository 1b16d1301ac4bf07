/**
 * Every stream operator, in the order their rows are written (a fixed order, so concurrent
 * workers' transactions take their locks in one order). A new operator is a folder beside the
 * others and a line here.
 */
import { anomalies } from "./anomalies/anomalies.ts";
import { funnel } from "./funnel/funnel.ts";
import { inventory } from "./inventory/inventory.ts";
import type { Operator } from "./operator.ts";
import { payments } from "./payments/payments.ts";
import { refundReasons } from "./refund-reasons/refund-reasons.ts";
import { refunds } from "./refunds/refunds.ts";
import { sales } from "./sales/sales.ts";
import { sessions } from "./sessions/sessions.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each operator has its own output and state types
export const OPERATORS: readonly Operator<any, any>[] = [
  sales,
  funnel,
  payments,
  refunds,
  refundReasons,
  inventory,
  anomalies,
  sessions,
];
