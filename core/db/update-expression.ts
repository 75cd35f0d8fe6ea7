/**
 * One UpdateItem's expressions, collected as they are decided: attribute names and values behind
 * placeholders, SET / ADD / REMOVE clauses, and the conditions (all of which must hold).
 */
export class UpdateExpression {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private readonly clauses = { SET: [] as string[], ADD: [] as string[], REMOVE: [] as string[] };
  private readonly conditions: string[] = [];

  /** `placeholder` ("#status") stands for `attribute`; returns the placeholder. */
  name(placeholder: string, attribute: string): string {
    this.names[placeholder] = attribute;
    return placeholder;
  }

  /** The placeholder already standing for `attribute`, if any. */
  nameOf(attribute: string): string | undefined {
    return Object.entries(this.names).find(([, v]) => v === attribute)?.[0];
  }

  /** `placeholder` (":one") stands for `value`; returns the placeholder. */
  value(placeholder: string, value: unknown): string {
    this.values[placeholder] = value;
    return placeholder;
  }

  /** SET #attribute = :attribute (every name aliased: "usage" and "status" are reserved words). */
  assign(attribute: string, value: unknown): this {
    return this.set(`${this.name(`#${attribute}`, attribute)} = ${this.value(`:${attribute}`, value)}`);
  }

  set(clause: string): this {
    this.clauses.SET.push(clause);
    return this;
  }

  add(clause: string): this {
    this.clauses.ADD.push(clause);
    return this;
  }

  remove(...attributes: string[]): this {
    this.clauses.REMOVE.push(...attributes);
    return this;
  }

  /** A condition the item must meet for the update to apply. */
  when(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  /** The UpdateItem fields: the expressions and their names and values. */
  build() {
    const clauses = Object.entries(this.clauses).filter(([, list]) => list.length);
    return {
      UpdateExpression: clauses.map(([kind, list]) => `${kind} ${list.join(", ")}`).join(" "),
      ...(this.conditions.length ? { ConditionExpression: this.conditions.join(" AND ") } : {}),
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ExpressionAttributeValues: this.values,
    };
  }
}
