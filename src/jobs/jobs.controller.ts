import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Response } from 'express';
import { ApiAuthenticated } from '../auth/auth.api-docs';
import { Caller } from '../auth/caller.decorator';
import type { Principal } from '../auth/principal';
import { ChatRequestPipe } from '../chat/chat-request.pipe';
import { JobRequestDto } from './dto/job-request.dto';
import type { JobAcceptedDto, JobStatusDto } from './dto/job-status.dto';
import { jobStatusBody } from './dto/job-status.mapper';
import { JobsApiDocs } from './jobs.api-docs';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@ApiAuthenticated()
@Controller('chat/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  /** The same body rules, credentials and rate-limit budget as POST /api/chat. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @UseGuards(ThrottlerGuard)
  @JobsApiDocs.submit()
  async submit(@Body(ChatRequestPipe) body: JobRequestDto, @Caller() caller: Principal, @Res({ passthrough: true }) res: Response): Promise<JobAcceptedDto> {
    const job = await this.jobs.submit(caller.resolveUser(body.user_id, 'anonymous'), body);
    res.location(`/api/chat/jobs/${job.id}`);
    return { job_id: job.id, status: 'queued', user_id: job.user.userId };
  }

  /** Not rate limited: polling a job is a cheap read, and counting it would eat the budget of the turns themselves. */
  @Get(':id')
  @JobsApiDocs.status()
  async status(@Param('id') id: string, @Caller() caller: Principal): Promise<JobStatusDto> {
    return jobStatusBody(await this.jobs.find(id, caller));
  }
}
