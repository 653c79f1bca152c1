/**
 * ServiceNow renders HTML between `[code]` and `[/code]` in journal fields (comments and work notes,
 * on every table). Text kube-lease writes there may quote others (a ticket, a table writer's item):
 * every journal write goes through this, so no text opens such a block.
 */
export function journalText(text: string): string {
  return text.replace(/\[(\/?)code\]/gi, '[ $1code ]');
}
