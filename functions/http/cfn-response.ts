/** What CloudFormation sends a custom resource's function (the fields we use). */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties?: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
}

/**
 * Tells CloudFormation how the custom resource went (a PUT of the result to the pre-signed URL):
 * without it the stack would wait an hour for an answer. `physicalId` names the resource on Create.
 */
export async function respond(
  event: CustomResourceEvent,
  status: 'SUCCESS' | 'FAILED',
  reason: string,
  physicalId: string,
): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: reason,
    PhysicalResourceId: event.PhysicalResourceId ?? physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const res = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!res.ok) throw new Error(`CloudFormation response was refused: ${res.status}`);
}
